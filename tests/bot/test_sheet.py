"""The guidance sheet (引导告知单): built from the real knowledge base, rendered to HTML and to PDF.

The PDF tests read the PDF back with poppler-utils (``pdftotext``, ``pdffonts``, ``pdfinfo``,
``pdftoppm``); one page of it is saved to ``tests/screenshots/`` for review.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import shutil
import subprocess

import pytest

from bot.staff.sheet import (
    SheetError,
    UnknownRouteError,
    fit_to_page,
    group_citations,
    render_html,
    render_pdf,
    sheet_from_route,
)
from knowledge.deadlines import by_kind, date_text, route_kind
from knowledge.routes import quoted_verbatim
from tests.paths import ROOT

ISSUED = dt.date(2026, 12, 7)
SCREENSHOTS = ROOT / "tests" / "screenshots"


def _needs_poppler(test):
    """Fails (never skips) without poppler-utils: `make system-deps` installs it."""
    def check(*args, **kwargs):
        if shutil.which("pdftotext") is None:
            pytest.fail("pdftotext 不存在：请先运行 `make system-deps`（安装 poppler-utils）。")
        return test(*args, **kwargs)
    return functools.wraps(test)(check)


poppler = _needs_poppler

# route, region code, its office for the route (from knowledge/local/<code>/pack.yaml)
OFFICES = [
    ("xinfang_review", "350206", "湖里区信访局"),
    ("xinfang", "370400", "枣庄市人民来访接待中心"),
    ("xinfang", "411200", "三门峡市信访局"),
]
# route, start date: the route's own limit (what a plain 「最晚哪天」 means) counted from it
STARTS = [
    ("xinfang_review", dt.date(2026, 9, 5)),
    ("admin_litigation", dt.date(2026, 4, 1)),     # 6个月 end on 国庆节: moved to 2026-10-08
    ("admin_reconsideration", dt.date(2026, 11, 2)),
    ("labor_arbitration", dt.date(2025, 12, 1)),   # passed on the issue day; the limit can be interrupted
    ("work_injury", dt.date(2026, 3, 10)),
    ("civil_litigation", dt.date(2024, 5, 20)),
    ("court_petition", dt.date(2026, 8, 31)),
]
# the routes with most limits and articles, with everything on the page: they must still fit one A4 page
HEAVY = ["labor_arbitration", "admin_reconsideration", "court_petition", "xinfang"]


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "sheet.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def pdf_pages(pdf: bytes, tmp_path) -> int:
    path = tmp_path / "sheet.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def flat(text: str) -> str:
    """pdftotext's layout breaks lines and pads with spaces: the text without them."""
    return re.sub(r"\s+", "", text)


# -- the PDF ---------------------------------------------------------------------------------

@poppler
def test_the_pdf_reads_back_with_route_title_article_and_officer(real_kb, tmp_path):
    sheet = sheet_from_route(real_kb, "xinfang_review", region="350206", issued_on=ISSUED,
                             start=dt.date(2026, 11, 20), officer="李明")
    pdf = render_pdf(sheet)
    text = flat(pdf_text(pdf, tmp_path))
    assert pdf.startswith(b"%PDF")
    assert "引导告知单" in text   # spaced out by the title's letter-spacing; flat() joins it
    assert "信访事项复查、复核" in text and "李明" in text and "2026年12月7日" in text
    assert "《信访工作条例》第三十五条" in text
    assert "本告知单为依法引导" in text and "不是对事项的受理或处理决定" in text
    assert pdf_pages(pdf, tmp_path) == 1


@poppler
def test_the_pdf_embeds_its_cjk_fonts(real_kb, tmp_path):
    path = tmp_path / "sheet.pdf"
    path.write_bytes(render_pdf(sheet_from_route(real_kb, "labor_arbitration", region=None, issued_on=ISSUED)))
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = out.splitlines()[2:]
    assert rows and any("CJK" in r for r in rows)
    # name type encoding emb sub uni id: every font embedded
    assert all(r.split()[-5] == "yes" for r in rows), out


@poppler
@pytest.mark.parametrize("route", HEAVY)
def test_a_heavy_route_with_everything_filled_in_fits_one_page(real_kb, route, tmp_path):
    kind = route_kind(real_kb, route)
    sheet = sheet_from_route(real_kb, route, region="370400", issued_on=ISSUED,
                             start=dt.date(2026, 11, 20) if kind else None, officer="张三", visitor="王五",
                             note="已当面告知申请期限。")
    fitted = fit_to_page(sheet)
    assert 1 <= len(fitted.articles) <= len(sheet.articles)
    assert pdf_pages(render_pdf(fitted), tmp_path) == 1
    # what is not printed in full is still cited on the page
    assert set(fitted.more_articles) | {a.citation for a in fitted.articles} == set(fitted.basis)


@poppler
def test_a_rendered_sheet_is_saved_as_a_screenshot(real_kb, tmp_path):
    route = "xinfang_review"
    sheet = sheet_from_route(real_kb, route, region="350206", issued_on=ISSUED, start=dt.date(2026, 11, 20),
                             officer="李明")
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(render_pdf(sheet))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / f"sheet_{route}"
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(pdf), str(target)], check=True)
    png = target.with_suffix(".png")
    assert png.read_bytes().startswith(b"\x89PNG") and png.stat().st_size > 10_000


# -- the HTML ---------------------------------------------------------------------------------

def test_what_the_officer_types_is_escaped(real_kb):
    typed = '<script>alert("x")</script>'
    sheet = sheet_from_route(real_kb, "xinfang", region=None, issued_on=ISSUED, officer=typed,
                             visitor="<b>王五</b>", note="<img src=x onerror=alert(1)>")
    page = render_html(sheet)
    assert "<script>" not in page and "<img" not in page and "<b>王五" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "&lt;b&gt;王五&lt;/b&gt;" in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_nothing_of_the_visitor_appears_when_nothing_was_typed(real_kb):
    sheet = sheet_from_route(real_kb, "labor_arbitration", region="350206", issued_on=ISSUED)
    assert (sheet.officer, sheet.visitor, sheet.note) == ("", "", "")
    page = render_html(sheet, for_pdf=True)
    # the visitor, officer and note are lines to fill in by hand
    assert '来访人：<span class="fill"></span>' in page
    assert '接待人员：<span class="fill"></span>' in page
    assert '<span class="label">备注：</span><span class="fill"></span>' in page
    typed = render_html(sheet_from_route(real_kb, "labor_arbitration", region="350206", issued_on=ISSUED,
                                         visitor="王五"), for_pdf=True)
    assert typed.count("王五") == 1 and "王五" not in page
    # the page has nothing but the fills besides the knowledge base's text and the issue date
    assert page == render_html(sheet_from_route(real_kb, "labor_arbitration", region="350206",
                                                issued_on=ISSUED, officer="  ", visitor=" "), for_pdf=True)


def test_the_screen_page_carries_a_print_hint_the_pdf_does_not(real_kb):
    sheet = sheet_from_route(real_kb, "xinfang", region=None, issued_on=ISSUED)
    assert "screen-only" in render_html(sheet) and "screen-only" not in render_html(sheet, for_pdf=True).split("<body>")[1]
    assert "@page" in render_html(sheet) and "size: A4" in render_html(sheet)


# -- offices ----------------------------------------------------------------------------------

@pytest.mark.parametrize("route,region,office", OFFICES)
def test_a_region_whose_pack_has_an_office_for_the_route_shows_it(real_kb, route, region, office):
    sheet = sheet_from_route(real_kb, route, region=region, issued_on=ISSUED)
    pack = real_kb.packs[region]
    assert sheet.region_name == pack.region_name
    assert office in [o.name for o in sheet.offices]
    # only the pack's offices for this route, with what the pack says of them, nothing more
    assert [o.name for o in sheet.offices] == [o.name for o in pack.offices_for(route)]
    for shown, source in zip(sheet.offices, pack.offices_for(route), strict=True):
        assert (shown.address, shown.phone, shown.hours) == (source.address, source.phone, source.hours)
        # the packs here are samples made from public reports: never shown as checked
        assert pack.sample and not shown.verified and shown.checked is None
    page = render_html(sheet)
    assert office in page and pack.region_name in page and "受理机关：" not in page


def test_an_office_of_a_pack_the_office_keeps_is_shown_as_checked_on_its_day(real_kb):
    import dataclasses

    from bot.staff.sheet import office_of

    sample = real_kb.packs["350206"]
    kept = dataclasses.replace(sample, sample=False)
    office = sample.offices[0]
    assert not office_of(office, sample, ISSUED).verified
    shown = office_of(office, kept, ISSUED)
    assert shown.verified and office.verified_on.isoformat() in (shown.checked or "")
    assert not office_of(office, kept, office.verified_on - dt.timedelta(days=1)).verified   # not yet checked then


def test_the_region_may_be_given_by_name(real_kb):
    sheet = sheet_from_route(real_kb, "xinfang", region="河南省三门峡市", issued_on=ISSUED)
    assert sheet.region_name == "河南省三门峡市" and sheet.offices


@pytest.mark.parametrize("region", [None, "110101"])   # no region; a region without a pack
def test_without_a_pack_no_office_is_shown_and_a_blank_is_left(real_kb, region):
    sheet = sheet_from_route(real_kb, "xinfang", region=region, issued_on=ISSUED)
    assert sheet.offices == () and sheet.region_name is None
    page = render_html(sheet)
    assert "受理机关：<span class=\"fill wide\"></span>" in page
    assert "出具单位：<span class=\"fill wide\"></span>" in page
    assert not any(p.region_name in page for p in real_kb.packs.values())
    assert not any(o.name in page for p in real_kb.packs.values() for o in p.offices)


def test_a_region_whose_pack_has_no_office_for_the_route_leaves_the_blank(real_kb):
    sheet = sheet_from_route(real_kb, "labor_arbitration", region="350206", issued_on=ISSUED)
    assert sheet.offices == () and sheet.region_name == "福建省厦门市湖里区"
    assert "受理机关：" in render_html(sheet)


def test_a_grade_c_channel_is_never_shown_as_verified(real_kb):
    c = real_kb.channels["hotline_12315"]
    assert c.grade == "C" and real_kb.routes["consumer_complaint"].national_channel == c.id
    sheet = sheet_from_route(real_kb, "consumer_complaint", region=None, issued_on=ISSUED)
    assert [(ch.name, ch.verified) for ch in sheet.channels] == [(c.name, False)]
    assert "待核实" in render_html(sheet)
    # a grade-B channel is shown as it is
    sheet = sheet_from_route(real_kb, "labor_arbitration", region=None, issued_on=ISSUED)
    assert [ch.verified for ch in sheet.channels] == [True] and "待核实" not in render_html(sheet)


# -- limits and last days ---------------------------------------------------------------------

@pytest.mark.parametrize("route,start", STARTS)
def test_a_start_date_gives_the_last_day_the_deadline_command_gives(real_kb, route, start):
    kind = route_kind(real_kb, route)
    expected = by_kind(real_kb, kind.id, start, ISSUED)
    sheet = sheet_from_route(real_kb, route, region=None, issued_on=ISSUED, start=start)
    counted = [tl for tl in sheet.limits if tl.last_day]
    assert len(counted) == 1, "only the route's own limit is counted from the start date"
    tl = counted[0]
    assert tl.label == expected["label"]
    assert tl.last_day == date_text(dt.date.fromisoformat(expected["last_day"]))
    assert tl.rule == expected["rule"] and tl.days_left == expected["days_left"]
    assert (tl.interrupted_by is None) == (expected["interrupted_by"] is None)
    page = render_html(sheet)
    assert f"最后一天：{tl.last_day}" in page and expected["rule"] in page
    assert sheet.limit_note == ""


def test_a_last_day_on_a_holiday_is_moved_as_the_texts_say(real_kb):
    sheet = sheet_from_route(real_kb, "admin_litigation", region=None, issued_on=ISSUED, start=dt.date(2026, 4, 1))
    tl = next(tl for tl in sheet.limits if tl.last_day)
    assert tl.last_day == "2026年10月8日" and "国庆节" in tl.rule


def test_a_passed_limit_says_so_and_quotes_what_interrupts_it(real_kb):
    sheet = sheet_from_route(real_kb, "labor_arbitration", region=None, issued_on=ISSUED, start=dt.date(2025, 12, 1))
    tl = next(tl for tl in sheet.limits if tl.last_day)
    assert tl.days_left < 0 and "中断" in tl.interrupted_by
    page = render_html(sheet)
    assert f"出具时已过 {-tl.days_left} 天" in page and "这个时效可以中断" in page


def test_no_last_day_without_a_start_date(real_kb):
    sheet = sheet_from_route(real_kb, "xinfang_review", region=None, issued_on=ISSUED)
    assert sheet.limits and not any(tl.last_day or tl.rule for tl in sheet.limits)
    assert "最后一天" not in render_html(sheet)


def test_a_route_without_a_limit_of_the_visitor_counts_no_last_day_and_says_why(real_kb):
    assert route_kind(real_kb, "xinfang") is None
    sheet = sheet_from_route(real_kb, "xinfang", region=None, issued_on=ISSUED, start=dt.date(2026, 11, 20))
    assert not any(tl.last_day for tl in sheet.limits)
    assert "2026年11月20日" in sheet.limit_note and "未计算最后一天" in render_html(sheet)


@pytest.mark.parametrize("route", ["xinfang_review", "admin_reconsideration", "civil_litigation", "court_petition"])
def test_every_limit_and_article_on_the_sheet_is_the_knowledge_bases(real_kb, route):
    card = real_kb.routes[route]
    sheet = sheet_from_route(real_kb, route, region=None, issued_on=ISSUED)
    texts = {real_kb.corpus.citation(a): real_kb.corpus.article(a).text for a in card.basis}
    for tl in sheet.limits:
        assert quoted_verbatim(tl.quote, texts[tl.citation])
        assert any(tl.label == c.label and tl.starts == c.starts for c in card.time_limits)
    for a in sheet.articles:
        assert texts[a.citation] == a.text
    assert sheet.basis == tuple(texts)
    assert 1 <= len(sheet.articles) <= 3


def test_an_exception_limit_stays_off_the_sheet(real_kb):
    # 「抚养费不适用诉讼时效」 is stated only when a person's words name it: never on a general sheet
    sheet = sheet_from_route(real_kb, "civil_litigation", region=None, issued_on=ISSUED)
    assert not any("抚养费" in tl.label for tl in sheet.limits)


def test_a_route_with_many_limits_names_the_rest_on_the_page(real_kb):
    sheet = sheet_from_route(real_kb, "admin_reconsideration", region=None, issued_on=ISSUED,
                             start=dt.date(2026, 11, 2))
    card = real_kb.routes["admin_reconsideration"]
    assert len(sheet.limits) + len(sheet.more_limits) == len(card.time_limits)
    assert sheet.limits[0].last_day   # the visitor's own limit is always in the table
    page = render_html(sheet)
    assert all(line in page for line in sheet.more_limits) and f"另有{len(sheet.more_limits)}项期限" in page


def test_citations_not_printed_are_grouped_by_law():
    assert group_citations(("《劳动争议调解仲裁法》第二条", "《劳动争议调解仲裁法》第五条", "《行政诉讼法》第四十五条",
                            "《最高人民法院关于适用《行政诉讼法》的解释》第一条")) == \
        "《劳动争议调解仲裁法》第二条、第五条；《行政诉讼法》第四十五条；《最高人民法院关于适用《行政诉讼法》的解释》第一条"


# -- what cannot be made ----------------------------------------------------------------------

def test_an_unknown_route_is_refused_in_chinese(real_kb):
    with pytest.raises(UnknownRouteError, match="没有这条途径") as caught:
        sheet_from_route(real_kb, "no_such_route", region=None, issued_on=ISSUED)
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, SheetError)


@pytest.mark.parametrize("start,says", [
    (dt.date(2026, 12, 8), "晚于出具日期"),
    (dt.date(1900, 1, 1), "超出可以计算的年份"),
])
def test_a_start_date_that_cannot_be_counted_is_refused_in_chinese(real_kb, start, says):
    with pytest.raises(SheetError, match=says):
        sheet_from_route(real_kb, "xinfang_review", region=None, issued_on=ISSUED, start=start)


def test_the_officer_chooses_which_limit_is_counted(real_kb):
    """复核, not the route's first limit (复查), when the visitor already has the 复查 opinion."""
    start = dt.date(2026, 11, 20)
    sheet = sheet_from_route(real_kb, "xinfang_review", region=None, issued_on=ISSUED, start=start,
                             kind="xinfang_recheck")
    counted = [lim for lim in sheet.limits if lim.last_day]
    expected = by_kind(real_kb, "xinfang_recheck", start, ISSUED)
    assert [lim.label for lim in counted] == [expected["label"]] == ["请求复核"]
    assert counted[0].last_day == date_text(dt.date.fromisoformat(expected["last_day"]))
    assert sheet.articles[0].citation == "《信访工作条例》第三十六条"
    with pytest.raises(SheetError, match="不属于"):
        sheet_from_route(real_kb, "xinfang_review", region=None, issued_on=ISSUED, start=start,
                         kind="labor_arbitration")
