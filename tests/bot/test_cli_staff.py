"""`xinfang staff` and `xinfang db` as an operator or a script uses them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import create_engine

from bot.staff.sessions import Sessions
from tests.paths import ROOT


@pytest.fixture
def xinfang(tmp_path):
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'cli.sqlite3'}")

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=ROOT, input=stdin, env=env,
                              capture_output=True, text=True, timeout=120)
    run.url = env["DATABASE_URL"]
    return run


def test_a_script_creates_an_account_with_the_password_on_standard_input(xinfang):
    made = xinfang("staff", "add", "王芳", "--role", "staff", "--json", stdin="counter-desk-2026\n")
    assert made.returncode == 0 and json.loads(made.stdout)["role"] == "staff"
    listed = json.loads(xinfang("staff", "list", "--json").stdout)
    assert [(a["username"], a["active"]) for a in listed] == [("王芳", True)]
    assert "counter-desk-2026" not in made.stdout + made.stderr


@pytest.mark.parametrize("args,stdin,words", [
    (("staff", "add", "li", "--role", "staff"), "short\n", "至少 10 个字符"),
    (("staff", "add", "x", "--role", "staff"), "counter-desk-2026\n", "用户名"),
    (("staff", "add", "li", "--role", "boss"), "counter-desk-2026\n", "invalid choice"),
    (("staff", "disable", "nobody"), "", "没有用户名"),
])
def test_mistakes_get_a_clear_message_and_exit_2(xinfang, args, stdin, words):
    out = xinfang(*args, stdin=stdin)
    assert out.returncode == 2 and words in out.stderr and "Traceback" not in out.stderr


def test_the_same_name_twice_is_refused(xinfang):
    assert xinfang("staff", "add", "lilei", "--role", "admin", stdin="counter-desk-2026\n").returncode == 0
    again = xinfang("staff", "add", "lilei", "--role", "staff", stdin="another-password-9\n")
    assert again.returncode == 2 and "已存在" in again.stderr


def test_disabling_an_account_ends_its_sessions(xinfang):
    xinfang("staff", "add", "zhao", "--role", "staff", stdin="counter-desk-2026\n")
    engine = create_engine(xinfang.url)
    sessions = Sessions(engine, "test-secret", 60)
    cookie, _ = sessions.start(1)
    assert sessions.lookup(cookie) is not None
    out = xinfang("staff", "disable", "zhao", "--json")
    assert out.returncode == 0 and json.loads(out.stdout)["sessions_ended"] == 1
    assert sessions.lookup(cookie) is None
    assert xinfang("staff", "enable", "zhao").returncode == 0 and sessions.lookup(cookie) is None


def test_db_upgrade_reports_the_newest_revision(xinfang):
    out = xinfang("db", "upgrade", "--json")
    assert out.returncode == 0 and json.loads(out.stdout)["revision"] == json.loads(out.stdout)["head"]


def test_the_audit_lists_account_changes_newest_first(xinfang):
    xinfang("staff", "add", "qian", "--role", "staff", stdin="counter-desk-2026\n")
    xinfang("staff", "disable", "qian")
    rows = json.loads(xinfang("staff", "audit", "--json").stdout)
    assert [r["action"] for r in rows[:2]] == ["account_disabled", "account_added"]
    assert rows[0]["detail"]["username"] == "qian" and "counter-desk" not in str(rows)
    assert xinfang("staff", "audit", "--action", "nonsense").returncode == 2
