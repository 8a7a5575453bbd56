"""The staff desk's search on the real knowledge base: what a member of staff sees while typing."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from knowledge.staff_search import FACETS, KINDS, StaffSearch
from tests.paths import ROOT

TIAOLI_35 = "xinfang_gongzuo_tiaoli_2022#35"
REPEALED_35 = "xinfang_tiaoli_2005_repealed#35"


@pytest.fixture(scope="module")
def staff(real_kb) -> StaffSearch:
    return StaffSearch.from_knowledge(real_kb)


def _article_ids(result) -> list[str]:
    return [h.id for h in result.hits if h.kind == "article"]


def _body(view) -> str:
    """An article's text as hits cut snippets from: its 款 and 项 in a row."""
    return " ".join(" ".join((p.text, *p.items)) for p in view.paragraphs)


# -- matching while typing -------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["复", "复查", "复查期", "复查期限"])
def test_every_keystroke_of_a_word_finds_something(staff, typed):
    result = staff.search(typed)
    assert result.total > 0 and result.hits


def test_fucha_puts_tiaoli_35_first_among_articles(staff):
    assert _article_ids(staff.search("复查"))[0] == TIAOLI_35
    assert staff.search("复查", kind="article").hits[0].id == TIAOLI_35


@pytest.mark.parametrize("query,article", [
    ("信访工作条例第三十五条", TIAOLI_35),
    ("条例 35条", TIAOLI_35),
    ("《信访工作条例》第35条", TIAOLI_35),
    ("信访条例第35条", TIAOLI_35),              # what people call it: the one in force comes first
    ("第三十五条", TIAOLI_35),                   # no law named: the law the knowledge base cites most
    ("工伤保险条例第三十五条", "gongshang_baoxian_tiaoli_2010#35"),
    ("工伤保险条例 35条", "gongshang_baoxian_tiaoli_2010#35"),
    ("行政复议法第二十条", "xingzheng_fuyi_fa_2023#20"),
    ("民诉法第二百一十条", "minshi_susong_fa_2023_retrial#210"),
    ("民法典第一百八十八条", "minfadian_susong_shixiao_188_199#188"),
    ("信访工作条例第三十六", "xinfang_gongzuo_tiaoli_2022#36"),   # 条 not typed yet
])
def test_an_article_reference_finds_that_article_first(staff, query, article):
    assert staff.search(query).hits[0].id == article


def test_a_short_name_does_not_fit_a_longer_title_with_gaps(staff):
    # 中华人民共和国刑事诉讼法 holds 民、事、诉讼法 in that order; it is not the 民事诉讼法.
    ids = [h.id for h in staff.search("民事诉讼法第二百一十条").hits]
    assert ids[0] == "minshi_susong_fa_2023_retrial#210" and "xingshi_susong_fa_2018_key_articles#210" not in ids[:3]


def test_a_reference_with_a_law_filter_keeps_to_that_law(staff):
    hits = staff.search("第35条", law="gongshang_baoxian_tiaoli_2010").hits
    assert hits[0].id == "gongshang_baoxian_tiaoli_2010#35"


@pytest.mark.parametrize("query", ["第三人", "第一次", "安全第一"])
def test_ordinal_words_are_not_article_references(staff, query):
    # Read as 第三条 / 第一条 these would put every law's article 3 (or 1) on top.
    labels = [h.article_label for h in staff.search(query, limit=10).hits]
    assert labels.count("第三条") + labels.count("第一条") < 3


def test_colloquial_words_find_the_legal_term(staff):
    # 「上仿」 (a misspelling the synonym table knows) is in no text; 信访 is.
    result = staff.search("上仿")
    assert result.total > 0
    assert any(s.hit and "信访" in s.text for h in result.hits[:5] for s in h.segments)


@pytest.mark.parametrize("current,old", [
    # the same words in the text in force and in the one it replaced (the old one is indexed first)
    ("zhian_guanli_chufa_fa_2025#140", "zhian_guanli_chufa_fa_2012_key_articles_SUPERSEDED#117"),
    ("xinfang_gongzuo_tiaoli_2022#48", "xinfang_tiaoli_2005_repealed#50"),
])
def test_superseded_text_ranks_below_current_for_the_same_match(staff, current, old):
    assert _body(staff.article(current)) == _body(staff.article(old))
    ids = [h.id for h in staff.search(_body(staff.article(current))[:30], kind="article").hits]
    assert ids.index(current) < ids.index(old)


def test_the_law_in_force_comes_first_for_a_name_both_fit(staff):
    ids = _article_ids(staff.search("信访条例第35条"))
    assert ids.index(TIAOLI_35) < ids.index(REPEALED_35)


@pytest.mark.parametrize("kind,title_id", [("route", "route:admin_reconsideration"), ("route", "route:work_injury")])
def test_a_route_card_is_found_by_its_name(staff, real_kb, kind, title_id):
    name = real_kb.route_ids[title_id.split(":")[1]]
    assert title_id in [h.id for h in staff.search(name, limit=3).hits]


def test_every_faq_question_finds_its_entry(staff, real_kb):
    missed = [e.id for e in real_kb.faq.values()
              if f"faq:{e.id}" not in [h.id for h in staff.search(e.question, limit=3).hits]]
    assert not missed


def test_local_items_are_found_with_their_region(staff, real_kb):
    for code, pack in real_kb.packs.items():
        for office in pack.offices:
            hit = next(h for h in staff.search(office.name).hits if h.id.endswith(f"/{office.id}"))
            assert (hit.kind, hit.region, hit.region_name) == ("local", code, pack.region_name)


# -- filters and facets -----------------------------------------------------------------------------

FILTERS = [
    ("law", "xinfang_gongzuo_tiaoli_2022", lambda h: h.law == "xinfang_gongzuo_tiaoli_2022"),
    ("status", "superseded", lambda h: h.status in ("superseded", "repealed")),
    ("status", "current", lambda h: h.status == "current"),
    ("route", "xinfang_review", lambda h: "xinfang_review" in h.routes),
    ("region", "411200", lambda h: h.region == "411200"),
    ("kind", "faq", lambda h: h.kind == "faq"),
]
FACET_OF = {"law": "law", "status": "status", "route": "route", "region": "region", "kind": "kind"}


@pytest.mark.parametrize("name,value,holds", FILTERS)
def test_a_filter_narrows_to_what_it_names(staff, name, value, holds):
    everything = staff.search("复查", limit=100)
    narrowed = staff.search("复查", limit=100, **{name: value})
    assert 0 < narrowed.total < everything.total
    assert all(holds(h) for h in narrowed.hits)
    assert {h.id for h in narrowed.hits} == {h.id for h in everything.hits if holds(h)}


@pytest.mark.parametrize("name,value,holds", FILTERS)
def test_a_facet_ignores_its_own_filter_and_counts_what_it_would_give(staff, name, value, holds):
    everything = staff.search("复查")
    narrowed = staff.search("复查", **{name: value})
    assert narrowed.facets[name] == everything.facets[name]
    assert narrowed.total == everything.facets[name][value]
    # the other facets count only what the filter lets through
    other = "status" if name == "kind" else "kind"
    assert sum(narrowed.facets[other].values()) == narrowed.total


@pytest.mark.parametrize("query", ["复查", "工伤", "上访", "第35条", "湖里"])
def test_facet_counts_add_up_to_the_total(staff, query):
    result = staff.search(query, limit=100)
    assert set(result.facets) == set(FACETS)
    assert sum(result.facets["kind"].values()) == result.total
    assert sum(result.facets["status"].values()) == result.total
    assert sum(result.facets["law"].values()) == result.facets["kind"].get("article", 0)
    assert sum(result.facets["region"].values()) == result.facets["kind"].get("local", 0)
    if result.total <= 100:
        assert len(result.hits) == result.total
        assert result.facets["kind"] == {k: n for k in KINDS if (n := sum(h.kind == k for h in result.hits))}


def test_two_filters_combine_and_each_facet_keeps_the_other(staff):
    both = staff.search("复查", kind="article", status="superseded")
    assert both.total == 2 and all(h.status == "repealed" for h in both.hits)
    assert both.facets["kind"] == staff.search("复查", status="superseded").facets["kind"]
    assert both.facets["status"] == staff.search("复查", kind="article").facets["status"]


@pytest.mark.parametrize("name,value", [
    ("law", "no_such_law"), ("route", "no_such_route"), ("status", "in_force"), ("region", "999999"),
    ("kind", "video"), ("law", "xinfang_gongzuo_tiaoli_2022#35")])
def test_an_unknown_filter_value_gives_no_hits(staff, name, value):
    result = staff.search("复查", **{name: value})
    assert (result.total, result.hits) == (0, ())


# -- highlighting -----------------------------------------------------------------------------------

@pytest.mark.parametrize("query", ["复查", "劳动仲裁", "停工留薪", "12345"])
def test_segments_make_the_snippet_and_mark_the_query(staff, real_kb, query):
    result = staff.search(query)
    marked = set(query) | set("".join(real_kb.synonyms.expand(query)))   # 劳动仲裁 also marks 劳动争议
    assert result.hits
    for hit in result.hits:
        assert "".join(s.text for s in hit.segments) == hit.snippet
        assert "".join(s.text for s in hit.title_segments) == hit.title
        assert len(hit.snippet) <= 160 + 2
        # hit segments hold nothing but the query's characters (and its legal terms')
        assert all(set(s.text) <= marked for s in (*hit.segments, *hit.title_segments) if s.hit)
        if hit.kind == "article":
            assert hit.snippet.strip("…") in _body(staff.article(hit.id))
    top = result.hits[0]
    assert any(s.hit and query in s.text for s in (*top.segments, *top.title_segments))


def test_a_long_article_is_cut_around_its_match(staff):
    # 《工伤保险条例》第六十二条 is long; 滞纳金 is in its middle, not its start.
    hit = next(h for h in staff.search("滞纳金").hits if h.id == "gongshang_baoxian_tiaoli_2010#62")
    assert hit.segments[0].text == "…"
    assert any(s.hit and s.text == "滞纳金" for s in hit.segments)


# -- the article view -------------------------------------------------------------------------------

def test_article_view_has_neighbours_and_citation(staff):
    view = staff.article(TIAOLI_35)
    assert (view.previous, view.next) == ("xinfang_gongzuo_tiaoli_2022#34", "xinfang_gongzuo_tiaoli_2022#36")
    assert (view.previous_label, view.next_label) == ("第三十四条", "第三十六条")
    assert view.label == "第三十五条" and view.status == "current" and view.superseded_by is None
    assert view.citation.startswith("《信访工作条例》第三十五条：信访人对信访处理意见不服的")
    assert view.chapter == "第四章 信访事项的办理"
    assert "xinfang_review" in view.routes
    assert len(view.paragraphs) == 1 and view.paragraphs[0].items == ()


def test_article_view_splits_kuan_and_xiang(staff):
    three = staff.article("xinfang_gongzuo_tiaoli_2022#36")
    assert len(three.paragraphs) == 3 and three.paragraphs[0].text.startswith("信访人对复查意见不服")
    items = staff.article("xinfang_gongzuo_tiaoli_2022#31").paragraphs
    assert len(items) == 1 and items[0].text.startswith("对信访人提出的申诉求决类事项")
    assert [i[:3] for i in items[0].items] == ["（一）", "（二）", "（三）", "（四）", "（五）", "（六）"]
    ascii_parens = staff.article("gongshang_baoxian_tiaoli_2010#35").paragraphs
    assert [len(p.items) for p in ascii_parens] == [3, 0]


def test_first_article_has_no_previous(staff):
    view = staff.article("xinfang_gongzuo_tiaoli_2022#1")
    assert view.previous is None and view.next == "xinfang_gongzuo_tiaoli_2022#2"


def test_repealed_and_superseded_status_is_reported(staff):
    view = staff.article(REPEALED_35)
    assert (view.status, view.superseded_by) == ("repealed", "xinfang_gongzuo_tiaoli_2022")
    assert view.superseded_by_title == "信访工作条例"
    hit = next(h for h in staff.search("信访条例第35条").hits if h.id == REPEALED_35)
    assert hit.status == "repealed"
    old = staff.search("治安管理处罚", law="zhian_guanli_chufa_fa_2012_key_articles_SUPERSEDED", limit=100)
    assert old.hits and {h.status for h in old.hits} == {"superseded"}
    assert old.facets["status"] == {"superseded": old.total}


@pytest.mark.parametrize("bad", ["", "  ", "no_such_law#1", "xinfang_gongzuo_tiaoli_2022#999", "#35", None])
def test_unknown_article_is_none(staff, bad):
    assert staff.article(bad) is None


# -- bad input and JSON -----------------------------------------------------------------------------

@pytest.mark.parametrize("query", ["", "   ", "！！！？？", "，。、……", "\x00\u200b", "复" * 1000, "x" * 1000,
                                   "老板欠钱不给，" * 150, "<script>alert(1)</script>", None, 35])
def test_bad_input_never_raises(staff, query):
    result = staff.search(query)
    json.dumps(result.to_dict(), ensure_ascii=False)
    assert result.total >= len(result.hits)


@pytest.mark.parametrize("query", ["", "   ", "！！！？？"])
def test_nothing_to_search_gives_nothing(staff, query):
    result = staff.search(query, law="xinfang_gongzuo_tiaoli_2022")
    assert (result.total, result.hits) == (0, ())
    assert result.facets == {name: {} for name in FACETS}


@pytest.mark.parametrize("limit,expected", [(0, 0), (-3, 0), (5, 5), (10_000, 100), ("x", 20)])
def test_limit_is_clamped(staff, limit, expected):
    assert len(staff.search("信访", limit=limit).hits) == expected


def test_traditional_and_full_width_input_is_normalised(staff):
    assert staff.search("複查", kind="article").hits[0].id == TIAOLI_35
    assert staff.search("条例 ３５条").hits[0].id == TIAOLI_35


def test_json_shapes(staff):
    data = json.loads(json.dumps(staff.search("复查", limit=3).to_dict(), ensure_ascii=False))
    assert set(data) == {"query", "total", "hits", "facets"}
    assert set(data["hits"][0]) == {"id", "kind", "title", "snippet", "segments", "title_segments", "law",
                                    "law_title", "article_label", "status", "region", "region_name", "routes",
                                    "basis", "score", "citation", "text"}
    assert set(data["hits"][0]["segments"][0]) == {"text", "hit"}
    view = json.loads(json.dumps(staff.article(TIAOLI_35).to_dict(), ensure_ascii=False))
    assert view["paragraphs"][0] == {"text": staff.article(TIAOLI_35).paragraphs[0].text, "items": []}
    assert view["previous"] == "xinfang_gongzuo_tiaoli_2022#34" and view["citation"].startswith("《信访工作条例》")


def test_laws_for_the_filter_menu(staff, real_kb):
    laws = staff.laws()
    assert {law["id"] for law in laws} == set(real_kb.corpus.laws)
    assert laws[0]["id"] == "xinfang_gongzuo_tiaoli_2022"
    assert all(set(law) >= {"id", "title", "short", "status"} for law in laws)
    statuses = [law["status"] == "current" for law in laws]
    assert statuses == sorted(statuses, reverse=True)      # the ones in force first


def test_knowledge_search_imports_neither_fastapi_nor_rasa():
    code = ("import sys, knowledge.staff_search; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'fastapi', 'rasa', 'rasa_sdk', 'starlette'}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_route_faq_and_local_hits_carry_their_whole_text_articles_open_instead(staff):
    hits = staff.search("行政复议", limit=50).hits
    route = next(h for h in hits if h.kind == "route")
    assert route.text and len(route.text) >= len(route.snippet.strip("…"))
    assert all(h.text is None for h in hits if h.kind == "article")
