"""The route finder answers as the citizen assistant does: the same pipeline, the same ranked routes."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.staff.accounts import Accounts

pytestmark = pytest.mark.integration
PASSWORD = "counter-desk-2026"


@pytest.fixture(scope="module")
def staff(live_service):
    app = create_app(live_service["settings"])
    with TestClient(app, raise_server_exceptions=False) as c:
        Accounts(app.state.store.engine).add("finder", "staff", PASSWORD)
        token = c.get("/api/staff/csrf").json()["csrf_token"]
        me = c.post("/api/staff/login", json={"username": "finder", "password": PASSWORD},
                    headers={"X-CSRF-Token": token})
        c.headers["X-CSRF-Token"] = me.json()["csrf_token"]
        yield c


@pytest.mark.parametrize("text", ["公司拖欠我三个月工资不给，我该去哪里", "对信访处理意见不服怎么办",
                                  "邻居装修把我家墙弄裂了不赔"])
def test_staff_and_citizen_get_the_same_routes_in_the_same_order(staff, text):
    desk = staff.post("/api/staff/routes", json={"text": text}).json()
    citizen = staff.post("/api/ask", json={"text": text}).json()
    assert [r["id"] for r in desk["routes"]] == [r["id"] for r in citizen["routes"]]
    assert desk["routes"], text


def test_each_route_comes_with_who_how_the_limits_and_their_articles(staff):
    found = staff.post("/api/staff/routes", json={"text": "对信访处理意见不服怎么办", "region": "350206"}).json()
    review = next(r for r in found["routes"] if r["id"] == "xinfang_review")
    assert review["handled_by"] and review["first_step"]
    limit = next(tl for tl in review["limits"] if tl["deadline_kind"] == "xinfang_review")
    assert limit["period"] == "30日" and limit["citation"] == "《信访工作条例》第三十五条"
    assert found["region"]["name"].startswith("福建省厦门市湖里区") and found["messages"]


def test_an_officers_lookup_is_recorded_as_the_desks_not_as_a_citizens_question(staff):
    store = staff.app.state.store
    before = store.count_turns("staff")
    staff.post("/api/staff/routes", json={"text": "物业费不交会怎么样"})
    assert store.count_turns("staff") == before + 1 and store.recent_turns(1)[0]["channel"] == "staff"


def test_a_post_without_the_csrf_token_is_refused(staff):
    resp = staff.post("/api/staff/routes", json={"text": "欠薪"}, headers={"X-CSRF-Token": ""})
    assert resp.status_code == 403


def test_the_date_the_visitor_told_comes_back_as_the_start(staff):
    import datetime as dt

    from knowledge.deadlines import parse_date

    text = "复查意见上个月20号收到的，不服还想再找上级"
    out = staff.post("/api/staff/routes", json={"text": text}).json()
    assert out["start"] == parse_date(text, dt.date.today()).isoformat()
    assert staff.post("/api/staff/routes", json={"text": "公司欠我工资"}).json()["start"] is None
