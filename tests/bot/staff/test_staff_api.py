"""The staff desk's API: sign-in, sessions, CSRF, throttling, audit and the lookups behind the pages.

The app runs with Rasa unreachable (only the route finder needs it: tests/bot/staff/test_staff_finder.py).
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.staff.accounts import Accounts
from bot.staff.audit import Audit
from common.services import knowledge_base
from common.settings import Settings
from knowledge.deadlines import by_kind

PASSWORD = "counter-desk-2026"


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def app(request, tmp_path_factory):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'staff.sqlite3'}"
    else:     # a database of its own on the test run's server: the accounts below are created afresh
        from sqlalchemy import create_engine, text

        server = request.getfixturevalue("postgres_url")
        with create_engine(server, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text("CREATE DATABASE staff_api"))
        url = server.rsplit("/", 1)[0] + "/staff_api"
    app = create_app(Settings(RASA_URL="http://127.0.0.1:9", ACTIONS_PORT=9, DATABASE_URL=url,
                              STAFF_LOGIN_FAILURES="9/minute"))
    with TestClient(app, raise_server_exceptions=False):
        accounts = Accounts(app.state.store.engine)
        for name, role in (("wangfang", "staff"), ("lilei", "analyst"), ("zhaoqiang", "staff"), ("sunli", "staff")):
            accounts.add(name, role, PASSWORD)
        yield app


_addresses = itertools.count(1)


def client(app, **kwargs) -> TestClient:
    """A client of its own (its own cookies and address) on the running app: no second start-up."""
    kwargs.setdefault("client", (f"10.0.0.{next(_addresses)}", 5000))
    return TestClient(app, raise_server_exceptions=False, **kwargs)


@pytest.fixture
def anon(app):
    return client(app)


def sign_in(client: TestClient, username: str = "wangfang", password: str = PASSWORD):
    token = client.get("/api/staff/csrf").json()["csrf_token"]
    return client.post("/api/staff/login", json={"username": username, "password": password},
                       headers={"X-CSRF-Token": token})


@pytest.fixture
def staff(app):
    c = client(app)
    resp = sign_in(c)
    assert resp.status_code == 200, resp.text
    c.headers["X-CSRF-Token"] = resp.json()["csrf_token"]
    return c


STAFF_API = [("GET", "/api/staff/me"), ("GET", "/api/staff/options"), ("GET", "/api/staff/search?q=复查"),
             ("GET", "/api/staff/articles/xinfang_gongzuo_tiaoli_2022%2335"),
             ("GET", "/api/staff/deadline?kind=xinfang_review&start=2026-10-08"),
             ("GET", "/api/staff/deadline/kinds"), ("POST", "/api/staff/routes"), ("POST", "/api/staff/sheet"),
             ("POST", "/api/staff/logout")]


def test_every_staff_api_is_listed_here(app):
    """A new staff route must be added to STAFF_API, so that its refusal of anonymous access is tested."""
    listed = {(m, p.split("?")[0].replace("%23", "#")) for m, p in STAFF_API}
    served = {(method.upper(), path.replace("{article_id}", "xinfang_gongzuo_tiaoli_2022#35"))
              for path, ops in client(app).get("/openapi.json").json()["paths"].items()
              if path.startswith("/api/staff/") and path not in ("/api/staff/csrf", "/api/staff/login")
              for method in ops}
    assert len(served) >= 9 and served == listed


@pytest.mark.parametrize("method,path", STAFF_API)
def test_every_staff_api_refuses_anonymous_access(anon, method, path):
    resp = anon.request(method, path, json={"text": "复查", "route": "xinfang_review"} if method == "POST" else None)
    assert resp.status_code == 401 and "登录" in resp.json()["error"]


def test_the_desk_page_sends_an_anonymous_visitor_to_sign_in(anon):
    resp = anon.get("/staff", follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"].startswith("/staff/login")
    page = anon.get("/staff/login")
    assert page.status_code == 200 and "登录" in page.text and "frame-ancestors 'none'" in page.headers[
        "content-security-policy"]


def test_sign_in_sets_a_protected_expiring_cookie_and_the_desk_opens(app, anon):
    resp = sign_in(anon)
    assert resp.status_code == 200 and resp.json()["username"] == "wangfang" and resp.json()["role"] == "staff"
    cookie = resp.headers["set-cookie"]
    assert "xf_staff=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie and "Max-Age=" in cookie
    assert anon.get("/staff", follow_redirects=False).status_code == 200
    assert anon.get("/api/staff/me").json()["username"] == "wangfang"


def test_sign_in_needs_the_login_csrf_token(anon):
    anon.get("/api/staff/csrf")
    no_header = anon.post("/api/staff/login", json={"username": "wangfang", "password": PASSWORD})
    forged = anon.post("/api/staff/login", json={"username": "wangfang", "password": PASSWORD},
                       headers={"X-CSRF-Token": "made-up"})
    assert no_header.status_code == forged.status_code == 403 and "CSRF" in no_header.json()["error"]


def test_a_post_without_the_sessions_csrf_token_is_refused(staff):
    token = staff.headers.pop("X-CSRF-Token")
    assert staff.post("/api/staff/logout").status_code == 403
    assert staff.post("/api/staff/logout", headers={"X-CSRF-Token": token[:-2] + "xx"}).status_code == 403
    assert staff.post("/api/staff/sheet", json={"route": "xinfang_review", "format": "html"}).status_code == 403
    assert staff.get("/api/staff/me").status_code == 200          # still signed in: nothing was done


def test_a_signed_out_cookie_is_refused(app, staff):
    old = staff.cookies.get("xf_staff")
    assert staff.post("/api/staff/logout").status_code == 204
    other = client(app)
    other.cookies.set("xf_staff", old)
    assert other.get("/api/staff/me").status_code == 401
    assert other.get("/staff", follow_redirects=False).status_code == 303


def test_a_forged_or_tampered_cookie_is_refused(app, staff):
    good = staff.cookies.get("xf_staff")
    other = client(app)
    for value in (good[:-3] + "abc", "x" * 40, "", "a" * 5000):
        other.cookies.set("xf_staff", value)
        assert other.get("/api/staff/me").status_code == 401


def test_wrong_passwords_unknown_names_and_disabled_accounts_are_refused_alike(app, anon):
    accounts = Accounts(app.state.store.engine)
    accounts.add("laozhang", "staff", PASSWORD)
    accounts.set_active("laozhang", False)
    for user, pw in (("sunli", "wrong-password-1"), ("nobody-here", PASSWORD), ("laozhang", PASSWORD)):
        resp = sign_in(anon, user, pw)
        assert resp.status_code == 401 and resp.json()["error"] == "用户名或密码不对，或账号已停用。"


def test_the_tenth_failed_sign_in_in_a_minute_is_throttled_even_with_the_right_password(anon, caplog):
    caplog.set_level(logging.WARNING)
    codes = [sign_in(anon, "zhaoqiang", f"wrong-{i}-password").status_code for i in range(9)]
    assert codes == [401] * 9
    tenth = sign_in(anon, "zhaoqiang", PASSWORD)
    assert tenth.status_code == 429 and "秒后再试" in tenth.json()["error"] and int(tenth.headers["retry-after"]) > 0
    assert "wrong-" not in caplog.text and PASSWORD not in caplog.text     # failures logged, never the password


def test_failures_from_one_client_across_accounts_are_throttled_too(app):
    c = client(app, client=("10.9.8.7", 5000))
    codes = [sign_in(c, f"guess{i}", "whatever-password").status_code for i in range(9)]
    assert codes == [401] * 9
    assert sign_in(c, "lilei", PASSWORD).status_code == 429
    other = client(app, client=("10.9.8.8", 5000))
    assert sign_in(other, "lilei", PASSWORD).status_code == 200        # another client is not held up


def test_sign_ins_and_failures_are_audited_without_passwords_or_unknown_names(app, anon):
    sign_in(anon, "sunli", "not-the-password")
    sign_in(anon, "someone-typed-a-password-here", "x" * 12)
    sign_in(anon, "sunli")
    rows = Audit(app.state.store.engine).recent(10)
    kinds = [(r["action"], r["actor"]) for r in rows[:3]]
    assert kinds == [("login", "sunli"), ("login_failed", None), ("login_failed", "sunli")]
    assert all(r["client"] and r["client"].startswith("client-") for r in rows[:3])
    assert "not-the-password" not in str(rows) and "someone-typed" not in str(rows)


def test_passwords_are_stored_as_argon2_hashes(app):
    with app.state.store.engine.connect() as conn:
        hashes = [r[0] for r in conn.exec_driver_sql("SELECT password_hash FROM staff_accounts")]
    assert hashes and all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)


def test_search_finds_the_article_and_opens_it(staff):
    found = staff.get("/api/staff/search", params={"q": "复查"}).json()
    assert found["hits"] and found["total"] >= len(found["hits"])
    first_article = next(h for h in found["hits"] if h["kind"] == "article")
    assert first_article["id"] == "xinfang_gongzuo_tiaoli_2022#35"
    view = staff.get("/api/staff/articles/xinfang_gongzuo_tiaoli_2022%2335").json()
    assert view["citation"].startswith("《信访工作条例》第三十五条") and view["previous"] and view["next"]
    assert staff.get("/api/staff/articles/no_such_law%231").status_code == 404


@pytest.mark.parametrize("params,words", [
    ({"q": "复查", "status": "whatever"}, "status"), ({"q": "复查", "limit": "0"}, "limit"),
    ({"q": "复" * 300}, "q"), ({"q": "复查", "kind": "<script>"}, "kind"),
])
def test_bad_search_parameters_get_a_chinese_422(staff, params, words):
    resp = staff.get("/api/staff/search", params=params)
    assert resp.status_code == 422 and words in resp.json()["error"] and "<script>" not in resp.json()["error"]


def test_the_deadline_api_answers_as_the_command_line_does(staff):
    resp = staff.get("/api/staff/deadline", params={"kind": "xinfang_review", "start": "2026-09-30",
                                                     "today": "2026-10-08"})
    assert resp.status_code == 200
    assert resp.json() == by_kind(knowledge_base(), "xinfang_review", dt.date(2026, 9, 30), dt.date(2026, 10, 8))
    kinds = staff.get("/api/staff/deadline/kinds").json()
    assert {"xinfang_review", "xinfang_recheck"} <= {k["kind"] for k in kinds}


@pytest.mark.parametrize("params,words", [
    ({"kind": "no_such_kind", "start": "2026-09-30"}, "没有这种期限"),
    ({"kind": "xinfang_review", "start": "2026-02-30"}, "start"),
    ({"kind": "xinfang_review", "start": "1800-01-01"}, "1950"),
    ({"kind": "xinfang_review"}, "start"),
    ({"kind": "xinfang_review", "start": "2026-12-08", "today": "2026-12-07"}, "今天之后"),
])
def test_bad_deadline_requests_get_a_chinese_422(staff, params, words):
    resp = staff.get("/api/staff/deadline", params=params)
    assert resp.status_code == 422 and words in resp.json()["error"]


def test_the_sheet_is_audited_by_kind_never_with_what_the_officer_typed(app, staff):
    resp = staff.post("/api/staff/sheet", json={"route": "labor_arbitration", "format": "html",
                                                "visitor": "张三丰", "note": "住在某某路8号"})
    assert resp.status_code == 200 and "引导告知单" in resp.text and resp.headers["cache-control"] == "no-store"
    row = Audit(app.state.store.engine).recent(1)[0]
    assert row["action"] == "sheet" and row["actor"] == "wangfang" and row["detail"]["route"] == "labor_arbitration"
    assert "张三丰" not in str(row) and "某某路" not in str(row)
    assert staff.post("/api/staff/sheet", json={"route": "no_such_route"}).status_code == 422
