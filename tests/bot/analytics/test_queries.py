"""The dashboard's figures against counts worked out by hand from tests/bot/analytics/fixture_events.py.

Threshold 3 distinct senders. Totals in the period (staff and the two events outside excluded):
13 turns from 8 senders (web u1–u5, wechat u6 u7, api u8).
"""

from __future__ import annotations

import datetime as dt

import pytest

from bot.analytics.period import FilterError, Filters
from bot.analytics.queries import Analytics
from knowledge.corpus import load_corpus
from knowledge.routes import load_route_ids
from tests.bot.analytics.fixture_events import END, FINE, PUNISH, START, A, B


@pytest.fixture
def analytics(events_store):
    return Analytics.from_corpus(events_store.engine, 3, load_route_ids(), load_corpus())


PERIOD = Filters(START, END)


def figures(table) -> list[tuple]:
    return [(r["key"], r["count"], r["senders"]) for r in table.rows]


def test_totals_leave_out_the_desk_and_what_lies_outside_the_period(analytics):
    assert analytics.totals(PERIOD) == {"withheld": False, "count": 13, "senders": 8, "avg_latency_ms": 200,
                                        "unanswered": 4}


def test_volume_by_day_in_china_time_with_the_secondary_suppression(analytics):
    """03-10 (2 senders) alone would be 其他 = total − shown: 03-09, the smallest shown, goes with it.
    u5's turn at 00:30 on 03-02 China time (16:30 UTC the day before) counts on 03-02."""
    t = analytics.volume(PERIOD, "day")
    assert figures(t) == [("2026-03-02", 5, 5), ("2026-03-03", 3, 3)]
    assert t.other is not None and t.other["count"] == 5 and t.other["senders"] is None
    assert (t.total["count"], t.total["senders"]) == (13, 8)


def test_volume_by_week_starts_on_monday(analytics):
    t = analytics.volume(PERIOD, "week")
    assert figures(t) == [("2026-03-02", 8, 5), ("2026-03-09", 5, 5)] and t.other is None


def test_channels_merge_the_two_small_ones(analytics):
    t = analytics.channels(PERIOD)
    assert figures(t) == [("web", 10, 5)] and t.other["count"] == 3 and t.rows[0]["label"] == "网页"


def test_answers(analytics):
    t = analytics.answers(PERIOD)
    assert figures(t) == [("answered", 8, 5), ("unknown", 3, 3)] and t.other["count"] == 2


def test_top_routes_by_their_first_route(analytics):
    t = analytics.routes(PERIOD)
    assert figures(t) == [("labor_arbitration", 6, 5), ("admin_reconsideration", 3, 3), ("civil_litigation", 3, 3)]
    assert t.rows[0]["label"] == "劳动人事争议仲裁" and t.other is None and t.total["count"] == 12


def test_top_cited_articles_with_their_citations(analytics):
    t = analytics.articles(PERIOD)
    assert figures(t) == [(A, 8, 5), (B, 3, 3)]
    assert t.rows[0]["label"] == "《信访工作条例》第三十五条" and t.rows[0]["detail"]
    assert (t.total["count"], t.total["senders"]) == (8, 5)     # turns that cited an article


def test_gaps_with_examples_only_for_groups_above_the_threshold(analytics):
    t = analytics.gaps(PERIOD)
    assert figures(t) == [("ask_law|admin_reconsideration", 3, 3)]
    assert t.rows[0]["examples"] == [PUNISH, FINE]            # the more frequent first
    assert t.rows[0]["label"] == "问法律规定 · 行政复议"
    assert t.other == {"key": "", "label": "其他", "count": 2, "senders": None}   # no examples in 其他
    assert (t.total["count"], t.total["senders"]) == (5, 5)


def test_feedback_rate_overall_and_per_route(analytics):
    t = analytics.feedback(PERIOD)
    assert [(r["key"], r["count"], r["senders"], r["up"], r["down"], r["rate"]) for r in t.rows] == [
        ("labor_arbitration", 4, 4, 3, 1, 0.75)]
    assert t.other == {"key": "", "label": "其他", "count": 2, "senders": None, "up": 1, "down": 1, "rate": 0.5}
    assert t.total == {"key": "", "label": "合计", "count": 6, "senders": 5, "up": 4, "down": 2, "rate": 0.667}


def test_a_channel_or_a_region_narrows_every_figure(analytics):
    web = Filters(START, END, channel="web")
    assert analytics.totals(web)["count"] == 10
    assert figures(analytics.routes(web)) == [("labor_arbitration", 6, 5)]   # admin 1 + civil 3 → 其他
    region = Filters(START, END, region="350206")
    assert analytics.totals(region)["count"] == 5
    assert figures(analytics.volume(region)) == [("2026-03-02", 5, 5)]


def test_too_few_senders_in_the_whole_selection_withholds_everything(analytics):
    few = Filters(START, END, channel="wechat")
    assert analytics.totals(few) == {"withheld": True, "count": None, "senders": None, "avg_latency_ms": None,
                                     "unanswered": None}
    for name in Analytics.TABLES:
        t = analytics.table(name, few)
        assert t.withheld and t.rows == [] and t.total is None and t.other is None


def test_only_regions_with_enough_senders_are_named(analytics):
    assert analytics.regions() == ["350206"]     # 370402 had one sender


def test_the_summary_holds_every_table(analytics):
    out = analytics.summary(PERIOD, "week")
    assert set(out["tables"]) == set(Analytics.TABLES) and out["min_count"] == 3
    assert out["filters"] == {"from": "2026-03-02", "to": "2026-03-16", "channel": None, "region": None}


@pytest.mark.parametrize("args,message", [
    ((dt.date(2026, 3, 2), dt.date(2026, 3, 2)), "结束日期应晚于开始日期"),
    ((dt.date(2025, 1, 1), dt.date(2026, 3, 2)), "最长"),
    ((START, END, "staff"), "渠道"),
    ((START, END, None, "<script>"), "地区"),
])
def test_filters_refuse_in_chinese(args, message):
    with pytest.raises(FilterError, match=message):
        Filters(*args)


def test_filters_from_the_query_string():
    assert Filters.parse("2026-03-02", "2026-03-16") == PERIOD
    assert Filters.parse(None, "2026-03-16") == Filters(dt.date(2026, 3, 9), END)
    with pytest.raises(FilterError, match="2026-05-01"):
        Filters.parse("3月2日", None)
