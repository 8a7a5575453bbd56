"""The staff desk in a real browser (Debian Chromium, headless): sign-in, search, article, route
finder, deadline, guidance sheet and sign-out, against our own app.

Our own app instance (``create_app`` on a free port, temporary database, an account made here)
talks to ``live_service``'s Rasa and action server, which only the route finder needs. Screenshots
go to ``tests/screenshots/staff_*.png`` for review.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess

import pytest

from bot.app import create_app
from tests.channels.web_support import (
    ANSWER_TIMEOUT_MS,
    CHROMIUM,
    CHROMIUM_ARGS,
    ThreadedServer,
    require_chromium,
    watched_context,
)
from tests.paths import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.integration]

SCREENSHOTS = ROOT / "tests" / "screenshots"
USER, PASSWORD = "reception1", "a-long-password-1"
DESKTOP = {"width": 1280, "height": 800}
TABLET = {"width": 820, "height": 1180}
WAGES = "公司拖欠我三个月工资不给，我该去哪里"
LABOUR_ROUTES = {"labor_arbitration", "labor_inspection"}
REVIEW_START = dt.date(2026, 3, 2)


def expect(locator):
    from playwright.sync_api import expect as _expect

    return _expect(locator)


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def browser():
    require_chromium()   # fails (not skips) with the `make system-deps` hint
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def service(browser, live_service, tmp_path_factory):
    from bot.staff.accounts import Accounts

    db = tmp_path_factory.mktemp("staff") / "staff.sqlite3"
    settings = live_service["settings"].model_copy(update={"DATABASE_URL": f"sqlite:///{db}"})
    app = create_app(settings)
    with ThreadedServer(app) as server:       # startup has run: the store and the desk exist
        Accounts(app.state.store.engine).add(USER, "staff", PASSWORD)
        yield {"url": server.url, "app": app}


@pytest.fixture
def context(browser, service):
    with watched_context(browser, viewport=DESKTOP, accept_downloads=True) as ctx:
        ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=service["url"])
        yield ctx


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"staff_{name}.png"))


def sign_in(page, url: str, password: str = PASSWORD) -> None:
    page.fill("#username", USER)
    page.fill("#password", password)
    page.click("#login-submit")


@pytest.fixture
def desk(context, service):
    """A signed-in desk page."""
    page = context.new_page()
    page.goto(service["url"] + "/staff/login")
    sign_in(page, service["url"])
    page.wait_for_url(re.compile(r"/staff(#search)?$"))
    expect(page.locator("#who-name")).to_have_text(USER)
    return page


def search_count(page) -> int:
    text = page.locator("#search-count").text_content() or ""
    m = re.match(r"共 (\d+) 条", text)
    return int(m.group(1)) if m else 0


# ---------------------------------------------------------------- sign-in

def test_sign_in_redirects_and_shows_the_chinese_error(context, service):
    page = context.new_page()
    page.goto(service["url"] + "/staff")
    assert page.url == service["url"] + "/staff/login?next=/staff"
    expect(page.get_by_role("button", name="登录")).to_be_enabled()

    sign_in(page, service["url"], password="not-the-password")
    error = page.locator("#login-error")
    expect(error).to_have_text("用户名或密码不对，或账号已停用。")
    expect(page.locator("#password")).to_have_value("")
    shot(page, "login_error")

    sign_in(page, service["url"])
    page.wait_for_url(re.compile(r"/staff(#search)?$"))
    expect(page.locator("#who-name")).to_have_text(USER)
    expect(page.locator("#who-role")).to_have_text("接待人员")


def test_next_never_leaves_the_desk(context, service):
    page = context.new_page()
    page.goto(service["url"] + "/staff/login?next=//evil.example/staff")
    sign_in(page, service["url"])
    page.wait_for_url(re.compile(r"/staff(#search)?$"))
    assert page.url.startswith(service["url"] + "/staff")


# ---------------------------------------------------------------- search and articles

def test_search_filters_keyboard_and_article(desk):
    page = desk
    page.locator("#tab-search").focus()
    page.keyboard.press("/")
    expect(page.locator("#q")).to_be_focused()
    page.keyboard.type("复查")
    hits = page.locator("#hits .hit")
    expect(hits.first).to_be_visible()
    expect(page.locator("#hits mark").first).to_have_text(re.compile("复|查"))
    expect(page.locator("#search-count")).to_contain_text("共")
    everything = search_count(page)
    kinds = {k for k in hits.evaluate_all("ns => ns.map(n => n.className)")}
    assert any("kind-article" in k for k in kinds) and any("kind-article" not in k for k in kinds), kinds
    # the kind filter shows the response's facet counts
    article_button = page.locator(".seg[data-facet=kind][data-value=article]")
    facet = int(article_button.locator(".seg-count").text_content())
    shot(page, "search")

    article_button.click()
    expect(page.locator("#search-count")).not_to_have_text(re.compile(rf"^共 {everything} 条"))
    expect(article_button).to_have_attribute("aria-pressed", "true")
    assert search_count(page) == facet < everything
    assert all("kind-article" in k for k in hits.evaluate_all("ns => ns.map(n => n.className)"))
    shot(page, "search_filtered")

    # keyboard only: / focuses (and selects) the box, ↓ selects the first hit, Enter opens it
    page.locator(".brand").click()       # the focus out of every field
    page.keyboard.press("/")
    expect(page.locator("#q")).to_be_focused()
    page.keyboard.type("信访工作条例第三十五条")
    expect(hits.first.locator(".hit-title")).to_have_text("《信访工作条例》第三十五条")
    page.keyboard.press("ArrowDown")
    expect(hits.first).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")
    detail = page.locator("#detail")
    expect(detail.locator(".article-label")).to_have_text("第三十五条")
    expect(detail.locator(".law-title")).to_have_text("《信访工作条例》")
    expect(detail.locator(".badge.status")).to_have_text("现行有效")
    expect(detail.locator(".kuan").first).to_contain_text("30日内")
    expect(detail.locator(".neighbours .prev")).to_contain_text("第三十四条")
    expect(detail.locator(".neighbours .next")).to_contain_text("第三十六条")

    detail.get_by_role("button", name="复制引用").click()
    expect(detail.locator(".copied")).to_have_text("已复制")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("《信访工作条例》第三十五条：信访人对信访处理意见不服的"), copied
    shot(page, "article")

    detail.locator(".neighbours .next").click()
    expect(detail.locator(".article-label")).to_have_text("第三十六条")
    page.locator("#q").focus()
    page.keyboard.press("Escape")
    expect(detail.locator(".article-label")).to_have_count(0)
    expect(page.locator("#q")).to_have_value("信访工作条例第三十五条")
    page.keyboard.press("Escape")
    expect(page.locator("#q")).to_have_value("")
    expect(hits).to_have_count(0)


def test_items_and_superseded_texts_are_marked(desk):
    page = desk
    page.fill("#q", "信访工作条例第三十一条")
    hits = page.locator("#hits .hit")
    expect(hits.first.locator(".hit-title")).to_have_text("《信访工作条例》第三十一条")
    hits.first.click()
    items = page.locator("#detail .items li")
    expect(items).to_have_count(6)
    expect(items.first).to_contain_text("（一）")

    page.locator(".seg[data-facet=status][data-value=superseded]").click()
    page.fill("#q", "信访")
    expect(hits.first).to_be_visible()
    first = hits.first
    expect(first.locator(".badge.status")).to_contain_text("已")
    if "kind-article" in (first.get_attribute("class") or ""):
        first.click()
        expect(page.locator("#detail .badge.status.superseded")).to_be_visible()
        expect(page.locator("#detail .warn")).to_contain_text("已失效")


# ---------------------------------------------------------------- route finder and the sheet

def test_route_finder_and_guidance_sheet(desk, service, tmp_path):
    page = desk
    page.click("#tab-routes")
    expect(page.locator("#finder-text")).to_be_focused()
    page.fill("#finder-text", WAGES)
    page.keyboard.press("Control+Enter")
    cards = page.locator("#finder-result .route-card")
    expect(cards.first).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    routes = cards.evaluate_all("ns => ns.map(n => n.dataset.route)")
    assert LABOUR_ROUTES & set(routes), routes
    shown = "labor_arbitration" if "labor_arbitration" in routes else next(r for r in routes if r in LABOUR_ROUTES)
    card = page.locator(f".route-card[data-route='{shown}']")
    for label in ("受理机关", "怎么开始", "材料", "期限", "依据"):
        expect(card.locator("dt", has_text=label)).to_be_visible()
    page.evaluate("document.querySelector('.finder-head').scrollIntoView()")
    shot(page, "routes")
    citizen = page.locator("details.citizen")
    expect(citizen.locator("summary")).to_have_text("群众端的回答")
    expect(citizen.locator(".message").first).to_be_hidden()
    citizen.locator("summary").click()
    expect(citizen.locator(".message").first).not_to_be_empty()
    page.set_viewport_size(TABLET)
    page.locator("#finder-text").scroll_into_view_if_needed()
    shot(page, "routes_tablet")
    page.set_viewport_size(DESKTOP)

    # 下载 PDF: the sheet with the officer and start date filled in, read back with pdftotext
    name = card.locator(".route-name").text_content()
    page.fill("#sheet-officer", "王老师")
    page.fill("#sheet-start", "2026-11-20")
    with page.expect_download() as download:
        card.get_by_role("button", name=re.compile("^下载告知单 PDF")).click()
    pdf = tmp_path / "sheet.pdf"
    download.value.save_as(pdf)
    assert download.value.suggested_filename.endswith(".pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext is missing (apt-get install poppler-utils)"
    text = subprocess.run([pdftotext, str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    compact = re.sub(r"\s+", "", text)
    assert "引导告知单" in compact and re.sub(r"\s+", "", name) in compact, text[:400]
    assert "王老师" in compact

    # 打印告知单: the printable HTML in the preview frame, styled although the page's CSP refuses inline styles
    card.get_by_role("button", name=re.compile("^打印告知单")).click()
    dialog = page.locator("#print-dialog")
    expect(dialog).to_be_visible()
    frame = page.frame_locator("#print-frame")
    expect(frame.locator("h1")).to_have_text("引导告知单")
    expect(frame.locator(".route-name")).to_have_text(name)
    assert frame.locator("h1").evaluate("h => getComputedStyle(h).textAlign") == "center"
    expect(frame.locator(".screen-only")).to_be_visible()
    shot(page, "sheet_preview")
    page.emulate_media(media="print")
    expect(frame.locator(".screen-only")).to_be_hidden()     # the sheet's @media print rules apply
    page.emulate_media(media="screen")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # 算期限 on a limit fills the deadline pane with its kind (and the sheet's start date)
    calc = page.locator(".route-card button.calc").first
    kind = calc.get_attribute("data-kind")
    calc.click()
    expect(page.locator("#pane-deadline")).to_be_visible()
    expect(page.locator("#deadline-kind")).to_have_value(kind)
    expect(page.locator("#deadline-start")).to_have_value("2026-11-20")
    expect(page.locator("#deadline-last-day")).to_be_visible()


# ---------------------------------------------------------------- deadline

def test_deadline_is_the_one_by_kind_counts(desk, service):
    from knowledge.deadlines import by_kind

    page = desk
    page.click("#tab-deadline")
    kind = page.locator("#deadline-kind")
    expect(kind.locator("option[value='xinfang_review']")).to_have_count(1)
    disabled = kind.locator("option[disabled]")
    if disabled.count():
        expect(disabled.first).to_contain_text("条文未规定")
    kind.select_option("xinfang_review")
    page.fill("#deadline-start", REVIEW_START.isoformat())
    page.click("#deadline-submit")
    last = page.locator("#deadline-last-day")
    expected = by_kind(service["app"].state.desk.kb, "xinfang_review", REVIEW_START, dt.date.today())
    expect(last).to_have_attribute("data-iso", expected["last_day"])
    y, m, d = (int(x) for x in expected["last_day"].split("-"))
    expect(last).to_contain_text(f"{y}年{m}月{d}日")
    left = expected["days_left"]
    days = "就是今天" if left == 0 else f"还剩 {left} 天" if left > 0 else f"已过 {-left} 天"
    expect(page.locator("#deadline-days")).to_have_text(days)
    expect(page.locator("#deadline-result .rule")).to_have_text(expected["rule"])
    expect(page.locator("#deadline-result")).to_contain_text("《信访工作条例》第三十五条")
    shot(page, "deadline")


# ---------------------------------------------------------------- sign-out

def test_sign_out_ends_the_old_cookie(desk, context, service):
    page = desk
    old = [c for c in context.cookies() if c["name"] == "xf_staff"]
    assert old, context.cookies()
    page.click("#logout")
    page.wait_for_url(re.compile(r"/staff/login"))
    shot(page, "signed_out")
    assert not [c for c in context.cookies() if c["name"] == "xf_staff"]
    context.add_cookies(old)
    resp = context.request.get(service["url"] + "/api/staff/me")
    assert resp.status == 401
    assert resp.json()["error"].startswith("请先登录")
    page.goto(service["url"] + "/staff")                    # the desk too sends the old cookie away
    assert "/staff/login" in page.url
