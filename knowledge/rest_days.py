"""China's statutory rest days (法定休假日), from the maintained ``holidays`` package.

A rest day is a day that is not a working day: Saturdays and Sundays, the public holidays and the
days off of the State Council's yearly arrangement (调休), except the weekend days the arrangement
makes working days (调休上班). The package carries the arrangement for each year it was published
for; a later year's holidays follow the festivals' rules and miss its 调休, so a date in such a year
is said to be estimated. Nothing here is typed by hand.
"""

from __future__ import annotations

import datetime as dt
import functools

WEEKDAYS = "一二三四五六日"


class RestDays:
    """Which days are rest days, and which years' arrangements the calendar package holds."""

    def __init__(self) -> None:
        from importlib.metadata import version

        from holidays.countries.china import China

        self._calendar = China(language="zh_CN")
        self.package = f"holidays {version('holidays')}"
        # the last year whose State Council arrangement (its 调休) the package carries
        self.published_through: int = max(self._calendar.special_public_holidays)

    def is_rest_day(self, day: dt.date) -> bool:
        return not self._calendar.is_working_day(day)

    def name(self, day: dt.date) -> str:
        """What the day is: the holiday's name, 「调休休息日」 for a day off moved by the arrangement, or the
        weekday (「星期六」)."""
        name = self._calendar.get(day)
        if name and name.startswith("休息日"):   # the package's 「休息日（由 2026-01-04 调休）」
            return "调休休息日"
        return name or f"星期{WEEKDAYS[day.weekday()]}"

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day after ``day``."""
        day += dt.timedelta(days=1)
        while self.is_rest_day(day):
            day += dt.timedelta(days=1)
        return day

    def estimated(self, day: dt.date) -> bool:
        """Whether ``day``'s year has no published arrangement in the package (its 调休 unknown)."""
        return day.year > self.published_through


@functools.lru_cache(maxsize=1)
def rest_days() -> RestDays:
    return RestDays()
