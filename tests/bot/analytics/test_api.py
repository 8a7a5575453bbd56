"""The dashboard's API and page: who may see them (401/403), the figures, the CSV export, the page's CSP."""

from __future__ import annotations

import csv
import io
import itertools

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.staff.accounts import Accounts
from common.settings import Settings
from tests.bot.analytics.fixture_events import load

PASSWORD = "counter-desk-2026"
PERIOD = "from=2026-03-02&to=2026-03-16"
_addresses = itertools.count(1)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'analytics.sqlite3'}"
    app = create_app(Settings(RASA_URL="http://127.0.0.1:9", ACTIONS_PORT=9, DATABASE_URL=url, ANALYTICS_MIN_COUNT=3))
    with TestClient(app, raise_server_exceptions=False):
        accounts = Accounts(app.state.store.engine)
        for name, role in (("wangfang", "staff"), ("lilei", "analyst"), ("zhaoqiang", "admin")):
            accounts.add(name, role, PASSWORD)
        load(app.state.store)
        yield app


def client(app) -> TestClient:
    return TestClient(app, raise_server_exceptions=False, client=(f"10.1.0.{next(_addresses)}", 5000))


def signed_in(app, username: str) -> TestClient:
    c = client(app)
    token = c.get("/api/staff/csrf").json()["csrf_token"]
    resp = c.post("/api/staff/login", json={"username": username, "password": PASSWORD},
                  headers={"X-CSRF-Token": token})
    assert resp.status_code == 200, resp.text
    return c


@pytest.fixture(scope="module")
def analyst(app):
    return signed_in(app, "lilei")


ENDPOINTS = ["/api/analytics/options", f"/api/analytics/summary?{PERIOD}", f"/api/analytics/tables/routes?{PERIOD}",
             f"/api/analytics/export.csv?table=routes&{PERIOD}"]


def test_every_analytics_api_is_listed_here(app):
    """A new analytics route must be added to ENDPOINTS, so that its refusals are tested (read from the
    OpenAPI document: this FastAPI keeps included routers whole, ``app.routes`` does not list their paths)."""
    listed = {p.split("?")[0].replace("/tables/routes", "/tables/{name}") for p in ENDPOINTS}
    paths = client(app).get("/openapi.json").json()["paths"]
    assert {p for p in paths if p.startswith("/api/analytics")} == listed


@pytest.mark.parametrize("path", ENDPOINTS)
def test_without_a_session_every_analytics_api_answers_401_in_chinese(app, path):
    resp = client(app).get(path)
    assert resp.status_code == 401 and "登录" in resp.json()["error"]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_reception_officer_gets_403_in_chinese(app, path):
    resp = signed_in(app, "wangfang").get(path)
    assert resp.status_code == 403 and "分析人员" in resp.json()["error"]


@pytest.mark.parametrize("username", ["lilei", "zhaoqiang"])
def test_analysts_and_admins_get_the_summary(app, username):
    out = signed_in(app, username).get(f"/api/analytics/summary?{PERIOD}&by=week").json()
    assert out["totals"]["count"] == 13 and out["min_count"] == 3
    routes = out["tables"]["routes"]["rows"]
    assert [(r["key"], r["count"], r["senders"]) for r in routes][0] == ("labor_arbitration", 6, 5)
    assert out["tables"]["gaps"]["rows"][0]["examples"] == ["行政处罚不服怎么办", "罚款不服找谁"]
    assert out["tables"]["volume"]["by"] == "week"


def test_one_table_and_the_filters(analyst):
    t = analyst.get(f"/api/analytics/tables/channels?{PERIOD}").json()
    assert [(r["key"], r["count"]) for r in t["rows"]] == [("web", 10)] and t["other"]["count"] == 3
    assert analyst.get(f"/api/analytics/tables/channels?{PERIOD}&channel=wechat").json()["withheld"] is True
    assert analyst.get(f"/api/analytics/tables/nothing?{PERIOD}").status_code == 404


@pytest.mark.parametrize("query,words", [
    ("from=2026-03-16&to=2026-03-02", "结束日期应晚于开始日期"),
    ("from=2026年3月&to=2026-03-16", "2026-05-01"),
    (f"{PERIOD}&channel=staff", "渠道"),
    (f"{PERIOD}&by=month", "by"),
])
def test_bad_filters_are_refused_in_chinese(analyst, query, words):
    resp = analyst.get(f"/api/analytics/summary?{query}")
    assert resp.status_code == 422 and words in resp.json()["error"]


def test_options_name_only_regions_with_enough_senders(analyst):
    out = analyst.get("/api/analytics/options").json()
    assert [r["code"] for r in out["regions"]] == ["350206"] and out["retention_days"] == 180
    assert [c["id"] for c in out["channels"]] == ["web", "wechat", "api"]


def test_the_csv_export_is_excel_ready_and_suppressed(analyst):
    resp = analyst.get(f"/api/analytics/export.csv?table=gaps&{PERIOD}")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/csv")
    assert resp.content.startswith(b"\xef\xbb\xbf") and "attachment" in resp.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))
    assert "未能回答的问题" in rows[0][0] and "少于 3 人" in rows[0][0]
    assert rows[1] == ["意图 · 途径", "提问数", "人数"]                     # no example questions in an export
    assert rows[2:] == [["问法律规定 · 行政复议", "3", "3"], ["其他", "2", ""], ["合计", "5", "5"]]
    assert "行政处罚不服怎么办" not in resp.content.decode("utf-8-sig")


def test_the_feedback_export_gives_rates_as_percentages(analyst):
    rows = list(csv.reader(io.StringIO(
        analyst.get(f"/api/analytics/export.csv?table=feedback&{PERIOD}").content.decode("utf-8-sig"))))
    assert rows[2] == ["劳动人事争议仲裁", "4", "4", "3", "1", "75.0%"] and rows[-1][-1] == "66.7%"


def test_a_withheld_table_exports_as_withheld(analyst):
    rows = list(csv.reader(io.StringIO(analyst.get(
        f"/api/analytics/export.csv?table=routes&{PERIOD}&channel=api").content.decode("utf-8-sig"))))
    assert rows[2] == ["所选范围内人数太少，不予显示"] and len(rows) == 3


def test_the_openapi_document_lists_the_analytics_api(app):
    paths = client(app).get("/openapi.json").json()["paths"]
    assert {"/api/analytics/summary", "/api/analytics/export.csv", "/api/analytics/options"} <= set(paths)
    assert "/analytics" not in paths
    assert "401" in paths["/api/analytics/summary"]["get"]["responses"]
    assert "403" in paths["/api/analytics/summary"]["get"]["responses"]


def test_the_page_sends_anonymous_visitors_to_sign_in(app):
    resp = client(app).get("/analytics", follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == "/staff/login?next=/analytics"


def test_the_page_tells_a_reception_officer_in_chinese_that_it_is_not_for_them(app):
    resp = signed_in(app, "wangfang").get("/analytics")
    assert resp.status_code == 403 and "没有权限查看统计看板" in resp.text
    assert "script-src 'self'" in resp.headers["content-security-policy"]


def test_the_page_runs_only_its_own_files_under_a_strict_csp(app, analyst):
    resp = analyst.get("/analytics")
    assert resp.status_code == 200 and "统计看板" in resp.text
    csp = resp.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert "<script>" not in resp.text and "style=" not in resp.text
    import re

    for src in re.findall(r'(?:src|href)="(/(?:analytics|staff)/assets/[^"]+)"', resp.text):
        asset = analyst.get(src)
        assert asset.status_code == 200, src
    js = analyst.get(re.search(r'src="(/analytics/assets/analytics\.js[^"]*)"', resp.text).group(1)).text
    assert "innerHTML" not in js and "insertAdjacentHTML" not in js
    assert client(app).get("/analytics/assets/nothing.js").status_code == 404
