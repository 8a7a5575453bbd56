import datetime as dt

from knowledge.rest_days import rest_days


def test_holidays_weekends_and_make_up_working_days_come_from_the_calendar():
    days = rest_days()
    assert days.is_rest_day(dt.date(2026, 10, 1)) and days.name(dt.date(2026, 10, 1)) == "国庆节"
    assert days.is_rest_day(dt.date(2026, 11, 22)) and days.name(dt.date(2026, 11, 22)) == "星期日"
    assert not days.is_rest_day(dt.date(2026, 11, 23))
    # 2026-02-14 is a Saturday made a working day by the State Council's arrangement (调休上班)
    assert not days.is_rest_day(dt.date(2026, 2, 14))
    assert days.next_working_day(dt.date(2026, 10, 1)) == dt.date(2026, 10, 8)


def test_a_year_without_a_published_arrangement_is_estimated():
    days = rest_days()
    assert days.published_through >= 2026
    assert not days.estimated(dt.date(days.published_through, 12, 31))
    assert days.estimated(dt.date(days.published_through + 1, 1, 1))
