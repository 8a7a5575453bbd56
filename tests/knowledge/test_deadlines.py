import datetime as dt

import pytest

from knowledge.deadlines import count, counting_rule, load_deadline_kinds
from knowledge.errors import SourceError
from knowledge.rest_days import rest_days
from knowledge.routes import Period

CIVIL = ("qijian_jisuan_minfadian_minsufa#85",)


def cite(aid: str) -> str:
    return f"<{aid}>"


def test_a_last_day_on_a_rest_day_moves_only_where_the_texts_say_so():
    # 15 days from 2026-09-16 end on 10-01, 国庆节: a civil appeal moves to 10-08, the first working day after
    moved = count(dt.date(2026, 9, 16), Period(15, "day"), CIVIL)
    assert (moved.nominal, moved.last_day, moved.moved, moved.rest_day) == \
        (dt.date(2026, 10, 1), dt.date(2026, 10, 8), True, "国庆节")
    text, cited = counting_rule(moved, "day", cite)
    assert "2026年10月8日" in text and "<qijian_jisuan_minfadian_minsufa#85>" in text and CIVIL[0] in cited
    # the same days for 信访 (the texts are silent): not moved, and said so
    silent = count(dt.date(2026, 9, 16), Period(15, "day"))
    assert silent.last_day == dt.date(2026, 10, 1) and not silent.moved and silent.rest_day == "国庆节"
    text, cited = counting_rule(silent, "day", cite)
    assert "没有顺延" in text and "参照" in text and "qijian_jisuan_minfadian_minsufa#203" in cited
    # a last day that is a working day stays
    plain = count(dt.date(2026, 10, 20), Period(30, "day"), CIVIL)
    assert plain.last_day == plain.nominal == dt.date(2026, 11, 19) and not plain.moved and plain.rest_day is None


def test_months_end_on_the_corresponding_day_or_the_months_end():
    assert count(dt.date(2026, 8, 31), Period(6, "month")).nominal == dt.date(2027, 2, 28)
    assert count(dt.date(2026, 1, 15), Period(1, "year")).nominal == dt.date(2027, 1, 15)


def test_working_days_skip_holidays_and_count_make_up_working_days():
    # from Monday 2026-09-28: 9-29, 9-30, then 10-01…10-07 are the National Day holidays, then 10-08, 10-09
    assert count(dt.date(2026, 9, 28), Period(4, "workday")).last_day == dt.date(2026, 10, 9)
    # and Saturday 10-10 is a make-up working day (调休上班): the fifth
    assert count(dt.date(2026, 9, 28), Period(5, "workday")).last_day == dt.date(2026, 10, 10)


def first_saturday(year: int, month: int) -> dt.date:
    d = dt.date(year, month, 1)
    return d + dt.timedelta(days=(5 - d.weekday()) % 7)


def test_in_a_year_the_calendar_does_not_hold_a_rest_day_is_not_moved_but_named():
    year = rest_days().published_through + 1
    saturday = first_saturday(year, 6)
    counted = count(saturday - dt.timedelta(days=15), Period(15, "day"), CIVIL)
    # a weekend there may be a make-up working day: the earlier day stands, the later one is named
    assert counted.estimated and not counted.moved and counted.last_day == saturday
    assert counted.may_move_to is not None and counted.may_move_to > saturday
    text, _ = counting_rule(counted, "day", cite)
    assert "估算" in text and "仍以" in text
    assert "估算" not in counting_rule(count(dt.date(2026, 3, 1), Period(30, "day")), "day", cite)[0]


def test_a_last_day_on_a_make_up_working_day_is_said_to_be_one():
    counted = count(dt.date(2026, 1, 30), Period(15, "day"), CIVIL)   # 2026-02-14: a Saturday worked (调休)
    assert counted.last_day == dt.date(2026, 2, 14) and counted.working_weekend and not counted.moved
    assert "调休上班日" in counting_rule(counted, "day", cite)[0]


def test_a_start_beyond_the_calendar_is_refused_in_chinese():
    with pytest.raises(ValueError, match="超出可以计算的年份"):
        count(dt.date(9999, 1, 1), Period(3, "year"))


def test_a_day_off_moved_by_the_arrangement_is_named_so():
    assert rest_days().name(dt.date(2026, 1, 2)) == "调休休息日"


def test_a_counting_article_must_exist(tmp_path):
    path = tmp_path / "kinds.yaml"
    path.write_text("kinds:\n  - id: x\n    topic: 复查\n    when: [[复查]]\n    route: xinfang_review\n"
                    "    counting: [nowhere#1]\n", encoding="utf-8")
    with pytest.raises(SourceError) as err:
        load_deadline_kinds(path, articles={"qijian_jisuan_minfadian_minsufa#85"})
    assert err.value.line == 6 and "nowhere#1" in str(err.value)


@pytest.mark.parametrize("text,kind", [
    ("城管6月8号没收了俺的三轮车 我想直接去法院起诉 不复议 最晚哪天", "admin_litigation_named"),
    ("区政府送来征收决定 不服 想直接去法院起诉 起诉期限最晚哪天", "admin_litigation_named"),
    ("10月1日收到罚款决定书，想申请复议还是直接起诉，最晚哪天", "admin_reconsideration"),   # the earlier limit
    ("复议决定书11月5日收到不服，起诉法院最晚哪天", "admin_litigation_after_review"),
])
def test_a_suit_against_an_organ_in_the_persons_words_is_the_six_months(real_kb, text, kind):
    from knowledge.deadlines import find_kind

    assert find_kind(real_kb, text).id == kind


@pytest.mark.parametrize("start,period,nominal,last_day,why", [
    ((2024, 2, 29), Period(1, "year"), (2025, 2, 28), (2025, 2, 28), "29 February: no corresponding day, the month's end"),
    ((2023, 8, 31), Period(6, "month"), (2024, 2, 29), (2024, 2, 29), "a month's end in a leap year"),
    ((2026, 1, 31), Period(1, "month"), (2026, 2, 28), (2026, 2, 28), "ends on 调休 Saturday 2-28: a working day"),
    ((2026, 2, 2), Period(15, "day"), (2026, 2, 17), (2026, 2, 24), "inside the Spring Festival: the next working day"),
    ((2026, 9, 16), Period(15, "day"), (2026, 10, 1), (2026, 10, 8), "inside the National Day holidays"),
    ((2026, 9, 20), Period(30, "day"), (2026, 10, 20), (2026, 10, 20), "holidays in the middle are not deducted"),
    ((2026, 10, 20), Period(30, "day"), (2026, 11, 19), (2026, 11, 19), "a plain working day"),
])
def test_counting_as_the_texts_say(start, period, nominal, last_day, why):
    counted = count(dt.date(*start), period, CIVIL)
    assert (counted.nominal, counted.last_day) == (dt.date(*nominal), dt.date(*last_day)), why
    assert not counted.estimated


@pytest.mark.parametrize("text,day", [
    ("去年3月5号收到的", (2025, 3, 5)), ("我前年十月八号拿到的复查意见", (2024, 10, 8)),
    ("去年的3月10日", (2025, 3, 10)), ("今年3月31号开的", (2026, 3, 31)), ("去年 3/5 收到", (2025, 3, 5)),
    ("3月5号收到的", (2026, 3, 5)), ("2024年3月5日", (2024, 3, 5)),
])
def test_a_year_said_in_words_dates_the_month_and_day(text, day):
    """「去年3月5号」 is last year's: without it the date would move a year and a passed limit look open."""
    from knowledge.deadlines import parse_date

    assert parse_date(text, dt.date(2026, 12, 7)) == dt.date(*day)


@pytest.mark.parametrize("text", ["去年3月收到的", "今年1月", "去年年底"])
def test_a_month_without_its_day_gives_no_date(text):
    from knowledge.deadlines import parse_date

    assert parse_date(text, dt.date(2026, 12, 7)) is None
