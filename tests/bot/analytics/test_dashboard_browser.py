"""The dashboard in a real browser (Debian Chromium, headless) against our own app with the hand-counted
events: tables for every figure, 「其他」, the gap examples, the CSV download, no CSP violation, and the
403 page for a reception officer. Screenshots go to ``tests/screenshots/analytics_*.png``.

No dialogue is needed (the page only reads), so no Rasa is started.
"""

from __future__ import annotations

import re

import pytest

from bot.app import create_app
from common.settings import Settings
from tests.bot.analytics.fixture_events import PUNISH, load
from tests.channels.web_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ThreadedServer,
    require_chromium,
    watched_context,
)
from tests.paths import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.integration]

SCREENSHOTS = ROOT / "tests" / "screenshots"
PASSWORD = "counter-desk-2026"
PERIOD = "from=2026-03-02&to=2026-03-16"


def expect(locator):
    from playwright.sync_api import expect as _expect

    return _expect(locator)


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    from bot.staff.accounts import Accounts

    db = tmp_path_factory.mktemp("dash") / "dash.sqlite3"
    app = create_app(Settings(RASA_URL="http://127.0.0.1:9", ACTIONS_PORT=9, QUERY_PREFETCH=False,
                              DATABASE_URL=f"sqlite:///{db}", ANALYTICS_MIN_COUNT=3))
    with ThreadedServer(app) as server:
        accounts = Accounts(app.state.store.engine)
        accounts.add("analyst1", "analyst", PASSWORD)
        accounts.add("reception1", "staff", PASSWORD)
        load(app.state.store)
        yield server.url


@pytest.fixture
def context(browser):
    with watched_context(browser, viewport={"width": 1366, "height": 900}, accept_downloads=True) as ctx:
        yield ctx


def sign_in(page, url: str, user: str) -> None:
    page.goto(url + "/analytics")
    page.wait_for_url(re.compile(r"/staff/login\?next="))
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(re.compile(r"^[^?]*/analytics$"))   # sign-in returns to the page that sent one there


def test_an_analyst_reads_every_table_and_downloads_one(context, service):
    page = context.new_page()
    sign_in(page, service, "analyst1")
    page.goto(f"{service}/analytics?{PERIOD}&by=week")
    expect(page.locator("#who-name")).to_have_text("analyst1")
    cards = page.locator(".a-card")
    expect(cards).to_have_count(7)
    expect(page.locator(".a-figure .a-value").first).to_have_text("13")
    routes = page.locator(".a-card", has_text="首选途径")
    expect(routes.locator("tbody tr").first).to_contain_text("劳动人事争议仲裁")
    channels = page.locator(".a-card", has_text="各渠道提问量")
    expect(channels.locator("tr.a-other")).to_contain_text("其他")
    gaps = page.locator(".a-card", has_text="未能回答的问题")
    expect(gaps.locator(".a-examples li").first).to_have_text(PUNISH)
    expect(page.locator("#a-rule")).to_contain_text("少于 3 人")
    page.screenshot(path=str(SCREENSHOTS / "analytics_dashboard.png"), full_page=True)
    with page.expect_download() as info:
        gaps.locator(".a-export").click()
    data = open(info.value.path(), "rb").read()
    assert data.startswith(b"\xef\xbb\xbf") and "行政复议".encode() in data and PUNISH.encode() not in data
    # a narrower selection: too few senders, everything withheld
    page.select_option("#f-channel", "wechat")
    page.click("#filters button[type=submit]")
    expect(page.locator("#a-totals")).to_contain_text("人数太少")
    assert "channel=wechat" in page.url


def test_a_reception_officer_is_told_in_chinese(context, service):
    page = context.new_page()
    sign_in(page, service, "reception1")
    resp = page.goto(f"{service}/analytics")
    assert resp is not None and resp.status == 403
    expect(page.locator("h1")).to_have_text("没有权限查看统计看板")
    page.screenshot(path=str(SCREENSHOTS / "analytics_forbidden.png"))
