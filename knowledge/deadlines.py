"""Deadline help: which time limit a question is about, the date it was triggered, the last day.

How days are counted here (a method of this tool, stated to the user, not a legal
rule): the period starts on the day after the triggering day (收到/知道之日的次日为
第1日); N 日 adds N calendar days; N 个工作日 skips Saturdays and Sundays (public
holidays are not known to the tool); months and years land on the same calendar
day (the month's last day when that day does not exist). The answer always quotes
the article's own words and tells the user to act earlier and confirm with the
handling organ, because holiday extensions and special start dates are not modelled.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from .kb import KnowledgeBase
from .numerals import parse_chinese_numeral
from .routes import Period, RouteCard, TimeLimit

# Which time limit a question is about: keyword → (route id, article id), most specific first.
DEADLINE_KINDS: list[tuple[tuple[str, ...], str, str]] = [
    (("复核",), "xinfang_review", "xinfang_gongzuo_tiaoli_2022#36"),
    (("复查",), "xinfang_review", "xinfang_gongzuo_tiaoli_2022#35"),
    (("行政复议", "复议"), "admin_reconsideration", "xingzheng_fuyi_fa_2023#20"),
    (("行政诉讼", "起诉政府", "告政府", "行政起诉"), "admin_litigation", "xingzheng_susong_fa_2017#46"),
    (("劳动仲裁", "仲裁"), "labor_arbitration", "laodong_zhengyi_tiaojie_zhongcai_fa#27"),
    (("工伤认定", "工伤"), "work_injury", "gongshang_baoxian_tiaoli_2010#17"),
    (("再审",), "court_petition", ""),
]

_YMD = re.compile(r"(?:(\d{4})\s*[年./-]\s*)?(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*[日号]?")
_CN_MD = re.compile(r"(?:([〇零一二三四五六七八九]{4})年)?([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})[日号]")
_RELATIVE = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2, "大前天": 3}


@dataclass(frozen=True)
class DeadlineAnswer:
    route: RouteCard
    limit: TimeLimit
    start: dt.date | None
    last_day: dt.date | None


def parse_date(text: str, today: dt.date) -> dt.date | None:
    """The date the text mentions (年 optional: the latest such date not after today)."""
    for word in sorted(_RELATIVE, key=len, reverse=True):
        if word in text:
            return today - dt.timedelta(days=_RELATIVE[word])
    year: int | None
    m = _YMD.search(text)
    if m:
        year, month, day = (int(m.group(1)) if m.group(1) else None), int(m.group(2)), int(m.group(3))
    else:
        c = _CN_MD.search(text)
        if not c:
            return None
        year = int("".join(str("〇一二三四五六七八九".index(ch) if ch != "零" else 0) for ch in c.group(1))) \
            if c.group(1) else None
        try:
            month, day = parse_chinese_numeral(c.group(2)), parse_chinese_numeral(c.group(3))
        except ValueError:
            return None
    try:
        if year is not None:
            return dt.date(year, month, day)
        candidate = dt.date(today.year, month, day)
        return candidate if candidate <= today else dt.date(today.year - 1, month, day)
    except ValueError:
        return None


def _add_months(d: dt.date, months: int) -> dt.date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def last_day(start: dt.date, period: Period) -> dt.date:
    """The last day of a period triggered on ``start`` (see the module docstring for the method)."""
    if period.unit == "day":
        return start + dt.timedelta(days=period.amount)
    if period.unit == "workday":
        d, left = start, period.amount
        while left:
            d += dt.timedelta(days=1)
            if d.weekday() < 5:
                left -= 1
        return d
    if period.unit == "month":
        return _add_months(start, period.amount)
    if period.unit == "year":
        return _add_months(start, 12 * period.amount)
    raise ValueError(f"unknown period unit {period.unit!r}")


def find_limit(kb: KnowledgeBase, text: str) -> tuple[RouteCard, TimeLimit] | None:
    """The route card time limit the question is about, or None when the text does not say."""
    for words, route_id, article in DEADLINE_KINDS:
        if any(w in text for w in words):
            card = kb.routes[route_id]
            limits = [tl for tl in card.time_limits if tl.period and (not article or tl.basis == article)]
            if limits:
                return card, limits[0]
    return None


def answer_deadline(kb: KnowledgeBase, text: str, today: dt.date | None = None) -> DeadlineAnswer | None:
    today = today or dt.date.today()
    found = find_limit(kb, text)
    if found is None:
        return None
    card, limit = found
    start = parse_date(text, today)
    end = last_day(start, limit.period) if start and limit.period else None
    return DeadlineAnswer(card, limit, start, end)
