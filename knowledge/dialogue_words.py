"""How the dialogue reads a message (``sources/dialogue_words.yaml``), loaded and checked.

Word patterns and word lists used to live in the actions' code; they are data now, validated with
the other sources: every pattern compiles, every article, channel and route named exists. The
functions here read a text with them and know nothing of Rasa.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .corpus import SOURCES_DIR
from .yamlpos import load_located

PATTERNS = ("asks", "follow_up_marked", "follow_up_asks", "asks_how_long", "asks_when", "asks_fee",
            "fee_rule", "says_nothing", "violence", "not_violence", "harm", "about_the_bot", "escalation", "disrupts",
            "escalation_places")
FOLLOW_UP_MAX_CHARS = 12


def core_text(text: str) -> str:
    return re.sub(r"[\W_]+", "", text)


@dataclass(frozen=True)
class OfficeField:
    field: str
    words: re.Pattern
    label: str


@dataclass(frozen=True)
class DialogueWords:
    patterns: dict[str, re.Pattern]
    topic_words: tuple[str, ...]
    domains: dict[str, tuple[str, ...]]
    stages: dict[str, tuple[str, ...]]
    case_stages: tuple[str, ...]
    human_channels: tuple[str, ...]
    crisis_channels: tuple[str, ...]
    crisis_routes: dict[str, str]
    visit_articles: tuple[str, ...]
    office_fields: tuple[OfficeField, ...]

    def has(self, name: str, text: str) -> bool:
        return bool(self.patterns[name].search(text))

    def names_topic(self, text: str) -> bool:
        """Whether ``text`` names a matter or a procedure: 「那去哪调解」 does, 「那去哪」 does not."""
        core = core_text(text)
        return any(w in core for w in self.topic_words)

    def is_follow_up(self, text: str, strict: bool = False) -> bool:
        """A short message that names no matter of its own and opens or closes like a follow-up
        (「那…」「…呢」) or asks what one asks about the same matter (「要钱吗」「多久」); with ``strict``
        (a text read as out of scope) only the opening or closing counts."""
        core = core_text(text)
        if not core or len(core) > FOLLOW_UP_MAX_CHARS or self.names_topic(core):
            return False
        return self.has("follow_up_marked", core) or (not strict and self.has("follow_up_asks", core))

    def own_words(self, text: str) -> str:
        """A follow-up without the words that make it one (「那要交钱吗」 → 「要交钱吗」)."""
        return self.patterns["follow_up_marked"].sub("", core_text(text)) or text

    def says_nothing(self, text: str) -> bool:
        """Whether ``text`` names nothing to choose a route by (「有个事想问问」「我家的事」)."""
        return not self.patterns["says_nothing"].sub("", core_text(text))

    def tells_violence(self, text: str) -> bool:
        return self.has("violence", self.patterns["not_violence"].sub("", text))

    def guess(self, text: str, table: dict[str, tuple[str, ...]]) -> str | None:
        for value, words in table.items():
            if any(w in text for w in words):
                return value
        return None

    def domain_of(self, text: str) -> str | None:
        return self.guess(text, self.domains)

    def stage_of(self, text: str) -> str | None:
        """Where a case stands, when the text says it is under way or ended (not 「没有」: a reply to a
        question, read as such only by the clarifying form)."""
        return self.guess(text, {k: self.stages[k] for k in self.case_stages})

    def without_escalation(self, text: str) -> str:
        """The matter a message tells, its escalation talk left out: the route is chosen for the matter
        (「工资一直不给，我要去北京上访」 is a wage claim), not for the manner of raising it."""
        return self.patterns["escalation"].sub("", text) or text

    def names_matter_besides_escalation(self, text: str) -> bool:
        """Whether escalation talk also says what the matter is, its escalation words and the places one
        escalates to left out: 「这回我就去北京」「带人去堵政府大门」 do not."""
        rest = self.patterns["escalation"].sub("", text)
        return self.names_topic(self.patterns["escalation_places"].sub("", rest))


def load_dialogue_words(path: Path = SOURCES_DIR / "dialogue_words.yaml", articles: set[str] | None = None,
                        channels: set[str] | None = None, routes: set[str] | None = None,
                        domains: set[str] | None = None, stages: set[str] | None = None) -> DialogueWords:
    """Load and check the file; a SourceError names file and line for anything broken."""
    doc = load_located(path)
    data = doc.data if isinstance(doc.data, dict) else {}
    compiled: dict[str, re.Pattern] = {}
    for name in PATTERNS:
        raw = (data.get("patterns") or {}).get(name)
        if not isinstance(raw, str) or not raw:
            raise doc.error(f"patterns.{name} is missing")
        try:
            compiled[name] = re.compile(raw)
        except re.error as exc:
            raise doc.error(f"patterns.{name} does not compile: {exc}", "patterns", name) from None

    def words(key: str) -> tuple[str, ...]:
        value = data.get(key)
        if not isinstance(value, list) or not all(isinstance(w, str) and w for w in value):
            raise doc.error(f"{key} must be a list of words", key)
        return tuple(value)

    def table(key: str, allowed: set[str] | None) -> dict[str, tuple[str, ...]]:
        value = data.get(key)
        if not isinstance(value, dict):
            raise doc.error(f"{key} must map names to word lists", key)
        if allowed is not None and set(value) - allowed:
            raise doc.error(f"{key} names unknown values {sorted(set(value) - allowed)}", key)
        return {str(k): tuple(str(w) for w in v) for k, v in value.items()}

    def known(key: str, values, allowed: set[str] | None) -> None:
        missing = sorted(set(values) - allowed) if allowed is not None else []
        if missing:
            raise doc.error(f"{key} names unknown ids {missing}", key)

    stage_table = table("stages", stages)
    case_stages = words("case_stages")
    known("case_stages", case_stages, set(stage_table))
    human, crisis = words("human_channels"), words("crisis_channels")
    known("human_channels", human, channels)
    known("crisis_channels", crisis, channels)
    crisis_routes = data.get("crisis_routes") or {}
    known("crisis_routes", crisis_routes.values(), routes)
    visit = words("visit_articles")
    known("visit_articles", visit, articles)
    fields = []
    for name, spec in (data.get("office_fields") or {}).items():
        try:
            fields.append(OfficeField(name, re.compile(spec["words"]), spec["label"]))
        except (KeyError, TypeError, re.error) as exc:
            raise doc.error(f"office_fields.{name}: {exc}", "office_fields", name) from None
    return DialogueWords(compiled, words("topic_words"), table("domains", domains), stage_table, case_stages,
                         human, crisis, dict(crisis_routes), visit, tuple(fields))
