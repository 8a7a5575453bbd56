"""SECRET_KEY fails closed (issue 19): the service refuses a published or short key; `xinfang run` makes one.

The tests themselves run with a random key that tests/conftest.py puts in the environment.
"""

from __future__ import annotations

import argparse
import os
import re
import stat

import pytest
from pydantic import ValidationError

from bot.app import create_app
from common.settings import (
    _DEV_SECRET,
    MIN_SECRET_CHARS,
    InsecureSecret,
    Settings,
    ensure_secret_key,
)

HEX_KEY = re.compile(r"^SECRET_KEY=([0-9a-f]{64})$", re.MULTILINE)
CJK = re.compile(r"[\u4e00-\u9fff]")


def settings(**values) -> Settings:
    return Settings(**{"ALLOW_INSECURE_SECRET": False, **values})


@pytest.mark.parametrize("key,words", [
    (_DEV_SECRET, "公开的默认值"),
    ("", "太短"),
    ("   ", "太短"),
    ("k" * (MIN_SECRET_CHARS - 1), "太短"),
])
def test_the_service_refuses_a_published_or_short_key_and_says_how_to_fix_it(key, words):
    with pytest.raises(InsecureSecret) as refused:
        create_app(settings(SECRET_KEY=key))
    message = str(refused.value)
    assert words in message and CJK.search(message)
    assert ".env" in message and "token_hex" in message and "ALLOW_INSECURE_SECRET=true" in message


def test_a_long_random_key_is_accepted():
    assert create_app(settings(SECRET_KEY="k" * MIN_SECRET_CHARS)) is not None


def test_local_development_may_start_with_the_default_when_it_says_so():
    assert create_app(settings(SECRET_KEY=_DEV_SECRET, ALLOW_INSECURE_SECRET=True)) is not None


@pytest.mark.parametrize("key", [_DEV_SECRET, "short"])
def test_outside_local_development_no_flag_makes_a_weak_key_acceptable(key):
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        settings(ENVIRONMENT="production", SECRET_KEY=key, ALLOW_INSECURE_SECRET=True)


def test_the_tests_run_with_a_key_the_service_accepts():
    assert Settings().secret_problem is None


def test_the_key_writer_creates_env_once_with_a_private_random_key(tmp_path):
    env = tmp_path / ".env"
    assert ensure_secret_key(env) is True
    first = env.read_text(encoding="utf-8")
    assert len(HEX_KEY.findall(first)) == 1
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    assert ensure_secret_key(env) is False       # a second run keeps the key (and every hash made with it)
    assert env.read_text(encoding="utf-8") == first
    assert ensure_secret_key(tmp_path / "other.env") and (tmp_path / "other.env").read_text() != first


def test_the_key_writer_adds_to_an_existing_env_and_never_replaces_a_key(tmp_path):
    env = tmp_path / ".env"
    env.write_text("PORT=8100", encoding="utf-8")   # no newline at the end
    assert ensure_secret_key(env)
    lines = env.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "PORT=8100" and HEX_KEY.match(lines[1])
    env.write_text("# mine\nexport SECRET_KEY=short\n", encoding="utf-8")
    assert ensure_secret_key(env) is False and env.read_text(encoding="utf-8") == "# mine\nexport SECRET_KEY=short\n"


def test_settings_read_the_written_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    env = tmp_path / ".env"
    ensure_secret_key(env)
    loaded = Settings(_env_file=env)   # type: ignore[call-arg]  # pydantic-settings' own argument
    assert loaded.secret_problem is None and loaded.SECRET_KEY == HEX_KEY.search(env.read_text()).group(1)


def test_run_refuses_before_starting_anything_when_the_environment_sets_a_weak_key(tmp_path, monkeypatch, capsys):
    import common.services
    from bot.cli_service import cmd_run
    from common import settings as settings_module

    def must_not_start(*args, **kwargs):
        raise AssertionError("started with a weak key")

    monkeypatch.setenv("SECRET_KEY", "short")
    monkeypatch.setenv("ALLOW_INSECURE_SECRET", "false")
    monkeypatch.setattr(settings_module, "ENV_FILE", tmp_path / ".env")
    monkeypatch.setattr(common.services, "services", must_not_start)
    settings_module.get_settings.cache_clear()
    try:
        assert cmd_run(argparse.Namespace()) == 2
    finally:
        settings_module.get_settings.cache_clear()
    assert "太短" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / ".env")   # a key set in the environment wins: none is written
