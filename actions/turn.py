"""One turn, read once: what the person said, what the conversation already knows, and what kind of
message this is. ``actions/policy`` maps it to a reply; nothing else re-reads the tracker.

The matter (``Matter``) is what the conversation is about, kept in slots across turns: the text
that described it, the route recommended for it, the last date told and where the case stands.
A follow-up (「那要多久」「要带什么材料」) is about the matter; a description of something else
replaces it; a short addition (「判了两个月了」) joins it.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from knowledge.crisis import detect_crisis
from knowledge.deadlines import parse_date
from knowledge.dialogue_words import DialogueWords, core_text
from knowledge.packs import Pack, plausible_region
from knowledge.triage import Triage

from .runtime import Runtime

MATTER_SLOTS = ("problem_text", "matter_route", "matter_date", "matter_stage")
MAX_JOINED = 1500          # characters of a matter read together with a message (queries stop at 2000)
LOCAL_TIME = ZoneInfo("Asia/Shanghai")   # 「今天」 and the days left are China's, whatever the server's clock
FORM = "triage_form"
DATE_REQUEST = "请告诉我具体日期"   # the deadline reply's request for a date; a date sent next answers it
STAGE_QUESTION = "这件事现在走到哪一步了？"   # asked with an answer that a stage would settle
KIND_QUESTION = "您的事情大致属于哪一类？"     # asked with an answer that the kind of matter would settle


@dataclass(frozen=True)
class Matter:
    """What the conversation is about (slots ``problem_text``, ``matter_route``, ``matter_date``,
    ``matter_stage``)."""

    text: str | None = None
    route: str | None = None
    date: str | None = None     # ISO date of the last date told in the conversation
    stage: str | None = None    # where the case stands (sources/dialogue_words.yaml: stages)

    @classmethod
    def of(cls, tracker: Tracker) -> Matter:
        return cls(*(tracker.get_slot(s) for s in MATTER_SLOTS))

    @property
    def day(self) -> dt.date | None:
        try:
            return dt.date.fromisoformat(self.date) if self.date else None
        except ValueError:
            return None

    def events(self, before: Matter) -> list[dict[str, Any]]:
        """The slot events that turn ``before`` into this matter."""
        now = (self.text, self.route, self.date, self.stage)
        was = (before.text, before.route, before.date, before.stage)
        return [SlotSet(slot, value) for slot, value, old in zip(MATTER_SLOTS, now, was, strict=True) if value != old]


def user_text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def this_session(tracker: Tracker):
    """The conversation's events since its session started, newest first."""
    for event in reversed(tracker.events or []):
        if event.get("event") == "session_started":
            return
        yield event


def find_pack(rt: Runtime, region: str | None) -> Pack | None:
    """A pack by region code or by (part of) its name: 湖里区, 湖里, 350206, 枣庄市."""
    if not region:
        return None
    region = region.strip()
    packs = rt.kb.packs
    if region in packs:
        return packs[region]
    short = region.rstrip("市区县省")
    if len(region) < 2:   # 「区」「湖」 name no region
        return None
    for pack in packs.values():
        if region in pack.region_name or (len(short) >= 2 and short in pack.region_name):
            return pack
    return None


def bot_just_asked(tracker: Tracker, question: str) -> bool:
    """Whether the bot's last turn, just before this message, said ``question``."""
    seen_user = False
    for event in reversed(tracker.events or []):
        kind = event.get("event")
        if kind == "user":
            if seen_user:
                return False
            seen_user = True
        elif kind == "bot" and seen_user and question in (event.get("text") or ""):
            return True
    return False


@dataclass
class Turn:
    """Everything a reply is decided on, computed once (the expensive parts on first use)."""

    rt: Runtime
    text: str
    intent: str | None
    confidence: float | None
    action: str                   # the Rasa action running (the NLU's reading, through the rules)
    region: str | None
    matter: Matter
    form_active: bool = False
    asked_for_date: bool = False        # the bot's last turn asked for the date of a deadline
    asked_stage: bool = False           # the bot's last turn asked where the case stands
    asked_kind: bool = False            # the bot's last turn asked what kind of matter it is
    asked_this_session: bool = False     # the clarifying questions were asked in this session
    said_before: tuple[str, ...] = ()   # the person's earlier messages in this session
    domain: str | None = None           # the clarifying answers, when the form gave them
    case_status: str | None = None
    today: dt.date = field(default_factory=lambda: dt.datetime.now(LOCAL_TIME).date())

    @classmethod
    def read(cls, rt: Runtime, tracker: Tracker, action: str) -> Turn:
        latest = tracker.latest_message or {}
        intent = latest.get("intent") or {}
        metadata = latest.get("metadata") or {}
        said = [e.get("text") or "" for e in this_session(tracker) if e.get("event") == "user"]
        matter = Matter.of(tracker)
        if matter.route is not None and matter.route not in rt.kb.routes:   # a route since withdrawn
            matter = Matter(matter.text, None, matter.date, matter.stage)
        # the widget's metadata, else the NLU's entity; a value that names no region is ignored, never echoed
        region = plausible_region(metadata.get("region")) or plausible_region(tracker.get_slot("region"))
        return cls(rt=rt, text=user_text(tracker), intent=intent.get("name"), confidence=intent.get("confidence"),
                   action=action, region=region,
                   matter=matter, form_active=tracker.active_loop_name == FORM,
                   asked_for_date=bot_just_asked(tracker, DATE_REQUEST),
                   asked_stage=bot_just_asked(tracker, STAGE_QUESTION),
                   asked_kind=bot_just_asked(tracker, KIND_QUESTION) and not tracker.active_loop_name,
                   asked_this_session=any(e.get("event") == "active_loop" and e.get("name") == FORM
                                          for e in this_session(tracker)),
                   said_before=tuple(said[1:] if said and said[0] == user_text(tracker) else said),
                   domain=tracker.get_slot("problem_domain"), case_status=tracker.get_slot("case_status"))

    # -- cheap readings of the text ---------------------------------------------------------
    @property
    def words(self) -> DialogueWords:
        words = self.rt.kb.words
        if words is None:
            raise RuntimeError("sources/dialogue_words.yaml is missing")
        return words

    @functools.cached_property
    def core(self) -> str:
        return core_text(self.text)

    @functools.cached_property
    def crisis(self) -> str | None:
        return detect_crisis(self.text) if self.text else None

    @functools.cached_property
    def pack(self) -> Pack | None:
        return find_pack(self.rt, self.region)

    @functools.cached_property
    def date(self) -> dt.date | None:
        """The date this message tells, if any."""
        return parse_date(self.text, self.today)

    @functools.cached_property
    def stage(self) -> str | None:
        """Where the case stands, if this message says so."""
        return self.words.stage_of(self.text)

    @functools.cached_property
    def asks(self) -> bool:
        return self.words.has("asks", self.text)

    @functools.cached_property
    def follows_up(self) -> bool:
        """A follow-up to the matter before: short, names no matter of its own, reads like one."""
        previous = self.matter.text
        if not previous or core_text(previous) == self.core:
            return False
        return self.words.is_follow_up(self.text, strict=self.intent == "out_of_scope")

    @functools.cached_property
    def violence_told(self) -> bool:
        return any(self.words.tells_violence(t) for t in (self.text, self.matter.text or "", *self.said_before))

    # -- the two lookups every legal message gets -------------------------------------------
    def classify(self, text: str) -> Triage:
        return self.rt.classifier.classify(text, self.domain, self.case_status)

    @functools.cached_property
    def triage(self) -> Triage:
        """The routes for this message read as a description of the matter it is about."""
        return self.classify(self.matter_text)

    @functools.cached_property
    def matter_text(self) -> str:
        """The description the routes are chosen for: the matter before for a follow-up, the two
        together for a short addition to it, else this message."""
        if self.follows_up and self.matter.text:
            return self.matter.text
        return self.text

    def remembered(self, text: str | None = None, route: str | None = None, stage: str | None = None) -> Matter:
        """The matter after this turn: ``text`` (the matter now described, or the one kept), its route,
        and the date and stage this message told (or ``stage``), else those told before."""
        keep = text is None or text == self.matter.text
        return Matter(text=self.matter.text if text is None else text,
                      route=route or (self.matter.route if keep else None),
                      date=self.date.isoformat() if self.date else (self.matter.date if keep else None),
                      stage=stage or self.stage or (self.matter.stage if keep else None))

    def with_matter(self, text: str | None = None) -> str:
        """The matter before and ``text`` (this message) read together, the matter's start left out when
        the two would be longer than a query may be."""
        text = self.text if text is None else text
        previous = (self.matter.text or "")[-(MAX_JOINED - len(text)):] if len(text) < MAX_JOINED else ""
        return f"{previous}，{text}" if previous else text
