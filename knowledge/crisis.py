"""Crisis detection by lexicon: deterministic, so no model error can hide a person in danger."""

from __future__ import annotations

import functools
from pathlib import Path

import yaml

from .corpus import SOURCES_DIR
from .textnorm import normalize_text


@functools.lru_cache(maxsize=4)
def crisis_terms(path: Path = SOURCES_DIR / "crisis_terms.yaml") -> dict[str, tuple[str, ...]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {kind: tuple(words) for kind, words in data.items()}


def detect_crisis(text: str) -> str | None:
    """The kind of crisis the text expresses (self_harm, violence, danger), or None."""
    norm = normalize_text(text).replace(" ", "")
    for kind, words in crisis_terms().items():
        if any(w in norm for w in words):
            return kind
    return None


# said after the help lines, by the crisis action and by the service when it answers a crisis itself
CRISIS_WHY = "您提到的情况可能涉及人身安全，先求助"   # why the crisis route is offered
CRISIS_FOLLOW_UP = "如果心里很难受，愿意的话可以跟我说说发生了什么。等您安全了，我们再一起看您的问题该走什么途径。"


@functools.lru_cache(maxsize=1)
def crisis_channel_ids() -> tuple[str, ...]:
    from .dialogue_words import load_dialogue_words

    return load_dialogue_words().crisis_channels


def crisis_message(channels: dict, ids: tuple[str, ...] | None = None) -> str:
    """The first thing a person in danger reads; numbers come from channels.yaml with their grades, in the
    order ``sources/dialogue_words.yaml`` gives (``crisis_channels``)."""
    lines = [channels[c].display() for c in (ids or crisis_channel_ids()) if c in channels]
    return "您的安全最重要。如果您或身边的人现在有危险，请马上求助：\n" + "\n".join(lines)
