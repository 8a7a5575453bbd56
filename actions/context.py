"""Short follow-ups read with the matter they follow: 「那要多久」 after 「公司欠我三个月工资」.

On its own 「那要多久」 would be searched as it stands and get whatever provision is closest
to "how long" (the six months to sue the government, whatever the matter). The matter the
person described or asked about last is kept in the ``problem_text`` slot; a short message
that names no matter of its own is looked up together with it.
"""

from __future__ import annotations

import datetime as dt
import re

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from knowledge.deadlines import answer_deadline, parse_date

FOLLOW_UP_MAX_CHARS = 10
# how a follow-up opens or closes: 「那…」「还有…」「如果…」「…呢」
MARKED = re.compile(r"^(那|还|如果|要是|万一|然后|接下来)|呢$")
# a follow-up asking how long things take (「那要多久」「得多长时间」), not for a last day
_HOW_LONG = r"多久|多长时间|多少天|几天|几个月"
ASKS_HOW_LONG = re.compile(_HOW_LONG)
# a question about the last day of a limit (「最晚哪天」「还来得及吗」「还有几天」), not about how long a step takes
ASKS_WHEN = re.compile(r"最晚|哪天|几号|截止|来得及|过期|还能不能|还有几天|还有多久|还剩")
# what a follow-up about the same matter asks: how long, what it costs, where, whom, what to bring or prepare
FOLLOW_UP_ASKS = re.compile(_HOW_LONG + r"|要钱|收费|花钱|费用|去哪|在哪|找谁|带什么|要带|材料|准备什么|准备啥|准备哪些|要准备|手续|电话|地址|怎么去|"
                            r"有用吗|管用吗")
# the deadline reply's request for a date (actions/deadline.py); a date sent next answers it
DATE_REQUEST = "请告诉我具体日期"
# words that name a matter or a procedure: a message with one is a question of its own
TOPIC_WORDS = (
    "信访", "上访", "复查", "复核", "仲裁", "复议", "起诉", "诉讼", "上诉", "再审", "执行", "调解", "举报", "投诉",
    "工伤", "工资", "劳动", "社保", "拆", "征收", "征地", "土地", "宅基地", "房", "低保", "救助", "离婚", "赡养",
    "邻居", "法院", "判决", "检察", "派出所", "警察", "报警", "政府", "罚款", "处罚", "城管", "消费", "退款",
    "贪污", "腐败", "干部", "法律援助", "律师",
)


def core_text(text: str) -> str:
    return re.sub(r"[\W_]+", "", text)


def names_topic(text: str) -> bool:
    """Whether ``text`` names a matter or a procedure (``TOPIC_WORDS``): 「那去哪调解」 does, 「那去哪」 does not."""
    core = core_text(text)
    return any(w in core for w in TOPIC_WORDS)


def is_follow_up(text: str, strict: bool = False) -> bool:
    """A short message that names no matter of its own and opens or closes like a follow-up
    (「那…」「…呢」「还有别的办法吗」) or asks what one asks about the same matter (「要钱吗」「多久」).

    ``strict`` (texts read as out of scope, where 「今天天气怎么样」 must stay out of scope) takes
    only the opening or closing. 「借钱不还怎么办」「你是谁」 are questions of their own.
    """
    core = core_text(text)
    if not core or len(core) > FOLLOW_UP_MAX_CHARS or names_topic(core):
        return False
    return bool(MARKED.search(core)) or (not strict and bool(FOLLOW_UP_ASKS.search(core)))


def matter_followed(tracker: Tracker, text: str, strict: bool = False) -> str | None:
    """The matter before (the ``problem_text`` slot) when ``text`` is a follow-up to it, else None."""
    previous = tracker.get_slot("problem_text")
    if not previous or core_text(previous) == core_text(text) or not is_follow_up(text, strict):
        return None
    return previous


def with_matter(tracker: Tracker, text: str, strict: bool = False) -> str:
    """The text to look up: a follow-up together with the matter before it, else the text itself."""
    matter = matter_followed(tracker, text, strict)
    return text if matter is None else f"{matter}，{text}"


def own_words(text: str) -> str:
    """A follow-up without the words that make it one (「那要交钱吗」 → 「要交钱吗」): what it asks."""
    return MARKED.sub("", core_text(text)) or text


def how_long_follow_up(kb, tracker: Tracker, text: str) -> str | None:
    """The matter before, when ``text`` is a follow-up asking how long it takes; else None.

    Not when the matter gave the date a time limit runs from (「10月8日收到处理意见，想申请复查」):
    「还有几天」「还有多久」 then ask how much of that limit is left, which the deadline
    calculator answers with the date.
    """
    previous = matter_followed(tracker, text) if ASKS_HOW_LONG.search(text) else None
    if previous is None:
        return None
    dated = answer_deadline(kb, previous)
    return None if dated is not None and dated.start is not None else previous


def how_long_a_step_takes(text: str) -> bool:
    """「那复查完了多久给我答复」: how long a named procedure takes, with no date to count from. Its
    route's limits answer it; the deadline calculator would give the limit to apply and ask for a date."""
    return (bool(ASKS_HOW_LONG.search(text)) and not ASKS_WHEN.search(text) and names_topic(text)
            and parse_date(text, dt.date.today()) is None)


def how_long_of_nothing_named(tracker: Tracker, text: str) -> bool:
    """「多久能有结果」 with no matter before it: how long, but of what is not said.

    Looked up as it stands it got whichever provision is closest to "how long" (行政复议法第六十二条
    for someone who may have written to the 信访局); the limits differ from one route to the next.
    """
    return bool(ASKS_HOW_LONG.search(text)) and is_follow_up(text) and matter_followed(tracker, text) is None


def remembered(query: str, text: str) -> list[dict]:
    """The matter to come back to: this text, unless it was a follow-up (read as ``query``), when
    the matter it followed stays."""
    return [] if query != text else [SlotSet("problem_text", text)]


def this_session(tracker: Tracker):
    """The conversation's events since its session started, newest first."""
    for event in reversed(tracker.events or []):
        if event.get("event") == "session_started":
            return
        yield event


def asked_for_date(tracker: Tracker) -> bool:
    """Whether the bot's last turn, just before this message, asked for the date of a deadline."""
    seen_user = False
    for event in reversed(tracker.events or []):
        kind = event.get("event")
        if kind == "user":
            if seen_user:
                return False
            seen_user = True
        elif kind == "bot" and seen_user and DATE_REQUEST in (event.get("text") or ""):
            return True
    return False
