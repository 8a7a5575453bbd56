"""Deadline help: which time limit a question is about, the date it was triggered, the last day.

How days are counted (``count``): the day a period is triggered is not counted (收到/知道之日的次日为
第1日, 民法典第二百零一条); N 日 adds N calendar days; N 个工作日 counts working days of China's calendar
(``rest_days``: weekends and holidays skipped, make-up working days counted); months and years end on the
corresponding day, or the month's last day when there is none (第二百零二条). A last day that is a
statutory rest day moves to the first working day after it where the texts behind the limit say so
(each kind's ``counting`` articles in ``sources/deadline_kinds.yaml``: 民法典第二百零三条, 民事诉讼法
第八十五条, which 行政复议法第八十八条 and 行政诉讼法第一百零一条 apply); where they are silent (信访,
工伤认定, 劳动仲裁) the last day is not moved and the answer says it fell on a rest day.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .corpus import SOURCES_DIR
from .numerals import parse_chinese_numeral
from .rest_days import RestDays, rest_days
from .routes import Period, RouteCard, TimeLimit
from .yamlpos import load_located

if TYPE_CHECKING:
    from .kb import KnowledgeBase

KINDS_FILE = SOURCES_DIR / "deadline_kinds.yaml"


@dataclass(frozen=True)
class DeadlineKind:
    """A kind of time limit a question may be about (``sources/deadline_kinds.yaml``)."""

    id: str
    topic: str
    when: tuple[tuple[str, ...], ...]
    unless: tuple[str, ...] = ()
    route: str | None = None      # None: a limit the indexed texts do not contain, never computed
    basis: str = ""               # the article of the card's limit ("" : the card's first limit)
    label: str = ""               # a word of the limit's label, when the article holds several
    counting: tuple[str, ...] = ()   # the articles that move a last day off a rest day (none: the texts are silent)

    def named_in(self, text: str) -> bool:
        return all(any(w in text for w in group) for group in self.when) and not any(w in text for w in self.unless)


def load_deadline_kinds(path: Path = KINDS_FILE, routes: dict[str, RouteCard] | None = None,
                        articles: Collection[str] | None = None) -> list[DeadlineKind]:
    """The kinds, in the order they are tried; every route, article and label checked against the cards,
    and every counting article against ``articles``."""
    doc = load_located(path)
    data = doc.data if isinstance(doc.data, dict) else {}
    groups = {k: tuple(v) for k, v in (data.get("groups") or {}).items()}
    kinds: list[DeadlineKind] = []
    for i, item in enumerate(data.get("kinds") or []):
        when = []
        for group in item.get("when") or []:
            if isinstance(group, str) and group.startswith("$"):
                if group[1:] not in groups:
                    raise doc.error(f"unknown word group {group!r}", "kinds", i, "when")
                when.append(groups[group[1:]])
            else:
                when.append(tuple(group))
        unless = item.get("unless") or ()
        if isinstance(unless, str):
            if not unless.startswith("$") or unless[1:] not in groups:
                raise doc.error(f"unknown word group {unless!r}", "kinds", i, "unless")
            unless = groups[unless[1:]]
        counting = tuple(item.get("counting") or ())
        unknown = [a for a in counting if articles is not None and a not in articles]
        if unknown:
            raise doc.error(f"unknown counting articles {unknown}", "kinds", i, "counting")
        kind = DeadlineKind(str(item.get("id")), str(item.get("topic") or ""), tuple(when),
                            tuple(unless), item.get("route"), item.get("basis") or "", item.get("label") or "",
                            counting)
        if counting and kind.route is None:
            raise doc.error(f"kind {kind.id!r}: a limit the texts do not contain has no counting", "kinds", i)
        if not kind.when or not kind.topic:
            raise doc.error("a kind needs an id, a topic and words (when)", "kinds", i)
        if routes is not None and kind.route is not None and limit_of(kind, routes) is None:
            raise doc.error(f"kind {kind.id!r}: no time limit of route {kind.route!r} matches basis {kind.basis!r} "
                            f"and label {kind.label!r}", "kinds", i)
        kinds.append(kind)
    ids = [k.id for k in kinds]
    if len(set(ids)) != len(ids):
        raise doc.error("kind ids must be unique", "kinds")
    return kinds


def limit_of(kind: DeadlineKind, routes: dict[str, RouteCard]) -> TimeLimit | None:
    card = routes.get(kind.route or "")
    if card is None:
        return None
    return next((tl for tl in card.time_limits
                 if tl.period and (not kind.basis or tl.basis == kind.basis) and kind.label in tl.label), None)


@functools.lru_cache(maxsize=1)
def _default_kinds() -> list[DeadlineKind]:
    return load_deadline_kinds()


# 2026年10月8日 / 2026.10.8 / 10月8日 / 10/8 / 10.8号 / 10-8号: a dot or a dash between month and
# day only with a year before it or 日/号 after it (「3.5万」「等了3-5天」 are not dates)
_YMD = re.compile(r"(?:(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})"
                  r"|(\d{1,2})\s*(?:月\s*(\d{1,2})|/\s*(\d{1,2})|[.-]\s*(\d{1,2})(?=\s*[日号])))(?!\d)")
_CN_MD = re.compile(r"(?:([〇零一二三四五六七八九]{4})年)?([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})[日号]")
_RELATIVE = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2, "大前天": 3}
# 「昨天收到的」「前天刚送达」: a relative day counts only as the day of receiving or of what happened
_RELATIVE_WHEN = re.compile("(大前天|前天|昨天|昨日|今天|今日)[^，。,.；;？?]{0,6}?(收到|拿到|接到|送达|下来|出来|知道|"
                            "发生|受伤|摔|出事|被打|离职|辞退|开除|签收)")
# 「上个月15号」「这个月3号」: a day of a month counted from today's
_MONTH_DAY = re.compile(r"(上上个?月|上个?月|这个?月|本月)\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*[日号]")
_MONTHS_BACK = {"上上个月": 2, "上上月": 2, "上个月": 1, "上月": 1, "这个月": 0, "这月": 0, "本月": 0}
# 「去年3月5号」「前年十月八号」: the year a month and day without digits of a year belong to
_YEARS_BACK = {"今年": 0, "去年": 1, "前年": 2, "大前年": 3}
_YEAR_WORD = re.compile(r"(大前年|前年|去年|今年)(?:的)?\s*$")
# 「收到都40天了」「处理意见下来二十天了」: a decision received so many days ago (only after a word for
# receiving it, so 「等了3-5天」 or 「拖了两个月」 give no date; never when it was not received:
# 「一直没收到答复都40天了」 starts no limit)
_DAYS_AGO = re.compile(r"(?<![没未])(收到|拿到|接到|送达|下来|出来)[^，。,.；;\d一二两三四五六七八九十没未]{0,8}"
                       r"(\d{1,3}|[一二两三四五六七八九十]{1,3})\s*[天日]了")


@dataclass(frozen=True)
class DeadlineAnswer:
    route: RouteCard | None     # None: a limit the texts here do not contain (``topic`` names it)
    limit: TimeLimit | None
    start: dt.date | None
    topic: str = ""
    kind: str = ""              # the kind's id (sources/deadline_kinds.yaml)
    told_before: bool = False   # the start date was told earlier in the conversation, not in this text
    counted: Counted | None = None   # how the last day was counted (with a start date)

    @property
    def last_day(self) -> dt.date | None:
        return self.counted.last_day if self.counted else None


def parse_date(text: str, today: dt.date) -> dt.date | None:
    """The date the text mentions (年 optional: the latest such date not after today).

    A written date wins over 今天/昨天 in the same text (「10月8日收到，今天想问…」).
    """
    ago = _DAYS_AGO.search(text)
    if ago and not _YMD.search(text) and not _CN_MD.search(text):   # a written date wins
        n = ago.group(2)
        try:
            return today - dt.timedelta(days=int(n) if n.isdigit() else parse_chinese_numeral(n))
        except ValueError:
            return None
    rel = _MONTH_DAY.search(text)
    if rel:
        try:
            day = int(rel.group(2)) if rel.group(2).isdigit() else parse_chinese_numeral(rel.group(2))
            first = _add_months(today.replace(day=1), -_MONTHS_BACK[rel.group(1)])
            found = first.replace(day=day)
        except ValueError:
            return None
        return found if found <= today else None
    year: int | None
    m = _YMD.search(text)
    if m:
        at = m.start()
        if m.group(1):
            year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
        else:
            year, month = None, int(m.group(4))
            day = int(next(g for g in m.groups()[4:] if g))
    else:
        c = _CN_MD.search(text)
        if not c:
            rel = _RELATIVE_WHEN.search(text)   # 今天/昨天 as the day something happened, not when asking
            return today - dt.timedelta(days=_RELATIVE[rel.group(1)]) if rel else None
        at = c.start()
        year = int("".join(str("〇一二三四五六七八九".index(ch) if ch != "零" else 0) for ch in c.group(1))) \
            if c.group(1) else None
        try:
            month, day = parse_chinese_numeral(c.group(2)), parse_chinese_numeral(c.group(3))
        except ValueError:
            return None
    said = _YEAR_WORD.search(text[max(0, at - 5):at]) if year is None else None
    if said:
        year = today.year - _YEARS_BACK[said.group(1)]
    try:
        if year is not None:
            return dt.date(year, month, day) if year <= today.year + 1 else None
        candidate = dt.date(today.year, month, day)
        return candidate if candidate <= today else dt.date(today.year - 1, month, day)
    except ValueError:
        return None


def _add_months(d: dt.date, months: int) -> dt.date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Counted:
    """A period counted: the last day the period's words give (``nominal``), the last day after a rest
    day is moved where the texts say so, and what the calendar knew."""

    start: dt.date
    nominal: dt.date
    last_day: dt.date
    rest_day: str | None      # what the nominal last day is when it is a rest day (「国庆节」「星期六」)
    moved: bool               # the last day was moved to the first working day after the rest day
    counting: tuple[str, ...]   # the articles that move a last day off a rest day (none: the texts are silent)
    estimated: bool           # a year the calendar holds no State Council arrangement for was involved
    calendar: str
    may_move_to: dt.date | None = None   # estimated: the day it would move to, not promised

    @property
    def working_weekend(self) -> bool:
        """The last day is a Saturday or Sunday made a working day (调休上班)."""
        return self.last_day.weekday() >= 5 and self.rest_day is None and not self.moved


# the years a period may be counted in: the calendar's range, and no date a person could mean beyond it
FIRST_YEAR, LAST_YEAR = 1950, 2099


def nominal_last_day(start: dt.date, period: Period, days: RestDays) -> dt.date:
    """The last day the period's words give, counted from the day after ``start``."""
    if period.unit == "day":
        return start + dt.timedelta(days=period.amount)
    if period.unit == "workday":
        d, left = start, period.amount
        while left:
            d += dt.timedelta(days=1)
            if not days.is_rest_day(d):
                left -= 1
        return d
    if period.unit == "month":
        return _add_months(start, period.amount)
    if period.unit == "year":
        return _add_months(start, 12 * period.amount)
    raise ValueError(f"unknown period unit {period.unit!r}")


def count(start: dt.date, period: Period, counting: tuple[str, ...] = (), days: RestDays | None = None) -> Counted:
    """The period triggered on ``start`` counted as the module docstring says. A last day is moved off a
    rest day only in a year whose arrangement the calendar holds: elsewhere a weekend may be a make-up
    working day, so the day it would move to is named (``may_move_to``) and the earlier day stands.
    Raises ValueError (in Chinese) for a start outside the years the calendar covers."""
    if not FIRST_YEAR <= start.year <= LAST_YEAR - 10:
        raise ValueError(f"起算日期 {start.isoformat()} 超出可以计算的年份（{FIRST_YEAR}—{LAST_YEAR - 10}）")
    days = days or rest_days()
    nominal = nominal_last_day(start, period, days)
    rest = days.name(nominal) if days.is_rest_day(nominal) else None
    after = days.next_working_day(nominal) if rest is not None else nominal
    estimated = any(days.estimated(d) for d in ((start, after) if period.unit == "workday" else (nominal, after)))
    moved = rest is not None and bool(counting) and not estimated
    return Counted(start, nominal, after if moved else nominal, rest, moved, counting, estimated, days.package,
                   after if rest is not None and counting and estimated else None)


UNIT_NOTE = {"day": "，按日历连续计算", "workday": "，只计工作日（周末、法定节假日不计，调休上班日计入）",
             "month": "，到期月的对应日为最后一天", "year": "，到期年的对应日为最后一天"}
GENERAL_COUNTING = ("qijian_jisuan_minfadian_minsufa#201", "qijian_jisuan_minfadian_minsufa#202")
REST_DAY_RULE = "qijian_jisuan_minfadian_minsufa#203"


def date_text(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def counting_rule(counted: Counted, unit: str, citation: Callable[[str], str]) -> tuple[str, tuple[str, ...]]:
    """How the days were counted, in words, and the articles that say so (``citation`` names one)."""
    cited = list(GENERAL_COUNTING)
    general = "、".join(citation(a) for a in GENERAL_COUNTING)
    if counted.counting:
        text = f"开始的当日不计入，从 {date_text(counted.start)} 的次日起算第1天{UNIT_NOTE[unit]}（{general}）。"
    else:
        text = (f"这个期限的条文没有规定期间怎么计算，这里参照{general}：开始的当日不计入，从 "
                f"{date_text(counted.start)} 的次日起算第1天{UNIT_NOTE[unit]}。")
    rules = "、".join(citation(a) for a in counted.counting)
    if counted.moved:
        cited += counted.counting
        text += (f"按期限算到的 {date_text(counted.nominal)} 是法定休假日（{counted.rest_day}），依照{rules}，以休假日后的"
                 f"第一个工作日 {date_text(counted.last_day)} 为最后一天。")
    elif counted.may_move_to is not None:
        cited += counted.counting
        text += (f"按期限算到的 {date_text(counted.nominal)} 按估算是{counted.rest_day}；依照{rules}，最后一天是法定休假日的"
                 f"可以顺延到其后第一个工作日（估算为 {date_text(counted.may_move_to)}），但这一年的调休安排日历里还没有，"
                 f"这里仍以 {date_text(counted.nominal)} 为最后一天。")
    elif counted.rest_day:
        cited.append(REST_DAY_RULE)
        text += (f"按期限算到的 {date_text(counted.nominal)} 是{counted.rest_day}；这个期限的条文没有规定最后一天遇休息日"
                 f"是否顺延（{citation(REST_DAY_RULE)}的顺延规定针对民事期间），这里没有顺延：稳妥起见，最晚在这一天（含当天）提出，能提前就提前。")
    elif counted.working_weekend:
        text += f"{date_text(counted.last_day)} 虽是星期{'六日'[counted.last_day.weekday() - 5]}，但按放假安排是调休上班日，不顺延。"
    if counted.estimated:
        text += (f"所用日历（{counted.calendar}）还没有收录所涉年份的放假安排，节假日按节日规则估算、调休未计入，"
                 "请以国务院办公厅公布的安排为准。")
    else:
        text += f"节假日和调休按国务院办公厅发布的放假安排（日历：{counted.calendar}）。"
    return text, tuple(dict.fromkeys(cited))


def by_kind(kb: KnowledgeBase, kind_id: str, start: dt.date, today: dt.date) -> dict:
    """The last day of the limit of kind ``kind_id`` started on ``start``, as scripts and the staff read it:
    ``{"kind", "label", "start", "last_day", "days_left", "rule", "basis", "citation", "counting", "calendar"}``.
    Raises ValueError (in Chinese) for a kind that does not exist or whose limit the texts do not contain."""
    kind = next((k for k in kb.deadline_kinds or _default_kinds() if k.id == kind_id), None)
    if kind is None:
        raise ValueError(f"没有这种期限：{kind_id}（`xinfang deadline --list` 列出全部）")
    limit = limit_of(kind, kb.routes) if kind.route else None
    if limit is None or limit.period is None:
        raise ValueError(f"“{kind.topic}”的期限在收录的法律条文里没有规定，不能计算，请查看文书上的告知内容")
    counted = count(start, limit.period, kind.counting)
    rule, cited = counting_rule(counted, limit.period.unit, kb.corpus.citation)
    days = rest_days()
    return {"kind": kind.id, "label": limit.label, "start": start.isoformat(), "last_day": counted.last_day.isoformat(),
            "days_left": (counted.last_day - today).days, "rule": rule, "basis": limit.basis,
            "citation": f"{kb.corpus.citation(limit.basis)}：“{limit.quote}”",
            "counting": list(cited), "nominal_last_day": counted.nominal.isoformat(), "moved": counted.moved,
            "may_move_to": counted.may_move_to.isoformat() if counted.may_move_to else None,
            "interruptible": limit.interrupted_by is not None,
            "interrupted_by": ({"quote": limit.interrupted_by[0], "citation": kb.corpus.citation(limit.interrupted_by[1])}
                               if limit.interrupted_by else None),
            "calendar": {"source": counted.calendar, "estimated": counted.estimated,
                         "published_through": days.published_through}}


def kinds_table(kb: KnowledgeBase) -> list[dict]:
    """Every kind: its id, what it is, and its length and article when the texts contain it."""
    out = []
    for k in kb.deadline_kinds or _default_kinds():
        limit = limit_of(k, kb.routes) if k.route else None
        out.append({"kind": k.id, "topic": k.topic, "computed": limit is not None and limit.period is not None,
                    "period": ({"amount": limit.period.amount, "unit": limit.period.unit, "words": limit.period.words}
                               if limit is not None and limit.period else None),
                    "basis": limit.basis if limit else None})
    return out


def kind_of_limit(kb: KnowledgeBase, route: str, limit: TimeLimit) -> DeadlineKind | None:
    """The kind (a contract id of ``deadline_kinds.yaml``) that counts this limit of a route card, if any."""
    return next((k for k in kb.deadline_kinds or _default_kinds()
                 if k.route == route and limit_of(k, kb.routes) is limit), None)


def find_kind(kb: KnowledgeBase, text: str) -> DeadlineKind | None:
    """The kind of time limit the question is about, or None when the text does not say."""
    return next((k for k in kb.deadline_kinds or _default_kinds() if k.named_in(text)), None)


def find_limit(kb: KnowledgeBase, text: str) -> tuple[RouteCard | None, TimeLimit | None, str] | None:
    """The route card time limit the question is about, or None when the text does not say.

    ``(None, None, kind id)`` when the question names a limit the indexed texts do not contain.
    """
    kind = find_kind(kb, text)
    if kind is None:
        return None
    if kind.route is None:
        return None, None, kind.topic
    limit = limit_of(kind, kb.routes)
    return (kb.routes[kind.route], limit, limit.label) if limit else None


def route_kind(kb: KnowledgeBase, route: str) -> DeadlineKind | None:
    """The kind a plain 「最晚哪天」 means for a matter on ``route``: of the route card's limits, in the
    card's order, the first one a kind of ``deadline_kinds.yaml`` names (the person's own step: 复查
    before 复核; 工伤 the worker's year, since no kind names the employer's 30 days), or None when no kind
    names any (信访, 12345…: the office's own handling times are no limit of the person's), and then the
    reply asks which step is meant."""
    card = kb.routes.get(route)
    kinds = [k for k in kb.deadline_kinds or _default_kinds() if k.route == route]
    for tl in card.time_limits if card else ():
        kind = next((k for k in kinds if limit_of(k, kb.routes) is tl), None)
        if kind is not None:
            return kind
    return None


def answer_deadline(kb: KnowledgeBase, text: str, today: dt.date | None = None,
                    known_start: dt.date | None = None, route: str | None = None) -> DeadlineAnswer | None:
    """The limit ``text`` asks about (or, when it names none, the first limit of ``route``: the matter's),
    and its last day when a start date is told (in ``text``, else ``known_start``: a date told earlier in
    the conversation)."""
    today = today or dt.date.today()
    kind = find_kind(kb, text) or (route_kind(kb, route) if route else None)
    if kind is None:
        return None
    if kind.route is None:
        return DeadlineAnswer(None, None, None, kind.topic, kind.id)
    limit = limit_of(kind, kb.routes)
    if limit is None:
        return None
    start = parse_date(text, today)
    earlier = start is None and known_start is not None
    start = start or known_start
    counted = count(start, limit.period, kind.counting) if start and limit.period else None
    return DeadlineAnswer(kb.routes[kind.route], limit, start, limit.label, kind.id, earlier, counted)


# what a reply that only gives the date may say besides the date (「10.8号收到的」「就是10月15」)
_DATE_REPLY_WORDS = re.compile(r"[收拿接]到|送达|签收|知道|下来|出来|写的是|上面|就是|应该是|大概|是|的|了|那天|当天|在|[\s\W]")
DATE_REPLY_MAX_EXTRA = 2   # characters left once the date and those words are gone
_RELATIVE_WORDS = re.compile("|".join(sorted(_RELATIVE, key=len, reverse=True)))


def only_a_date(text: str, today: dt.date) -> bool:
    """Whether ``text`` tells a date and little else (「是11月20号收到的」「10.8号」)."""
    rest = text
    for pattern in (_DAYS_AGO, _MONTH_DAY, _YMD, _CN_MD, _RELATIVE_WORDS):
        rest = pattern.sub("", rest)
    return len(_DATE_REPLY_WORDS.sub("", rest)) <= DATE_REPLY_MAX_EXTRA and parse_date(text, today) is not None


def with_follow_up_date(kb: KnowledgeBase, previous: str | None, text: str, today: dt.date | None = None) -> str | None:
    """The earlier deadline question completed by this reply's date, or None.

    「复查最晚哪天申请」 is answered with a request for the date; 「10.8号收到的」 then names a
    date and no limit of its own, so the two are read together. A longer text, or one naming
    its own limit, is a question of its own.
    """
    today = today or dt.date.today()
    if not previous or not only_a_date(text, today) or find_limit(kb, text) is not None:
        return None
    if find_limit(kb, previous) is None or parse_date(previous, today) is not None:
        return None
    return f"{previous}，{text}"
