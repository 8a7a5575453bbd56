"""What became of a turn, in five words the dashboard counts, from the reply kinds of the actions.

The actions name their reply by kind (``Reply("triage")``, ``Reply("clarify")``…, see
``actions/``); the service adds ``crisis`` when the crisis lexicon fires and the dialogue did not
answer one (``bot/conversation.py``). This module is the one place the kinds are sorted into the
categories: the store writes the category, the migration fills it in for older rows, the queries
read it. A new reply kind must be added here (``tests/bot/analytics/test_answers.py`` checks).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable


class Answer(enum.StrEnum):
    ANSWERED = "answered"      # a route, an article, a deadline, local offices, small talk answered
    CLARIFIED = "clarified"    # asked one question before any route
    UNKNOWN = "unknown"        # understood, but the indexed texts do not answer it
    FALLBACK = "fallback"      # no sense made of it, or an error
    CRISIS = "crisis"          # help lines first


ANSWER_NAMES = {Answer.ANSWERED: "已回答", Answer.CLARIFIED: "先追问", Answer.UNKNOWN: "答不上",
                Answer.FALLBACK: "没听懂", Answer.CRISIS: "危机求助"}

# reply kind (actions/*.py) -> category
KIND_ANSWERS: dict[str, Answer] = {
    "answer": Answer.ANSWERED, "triage": Answer.ANSWERED, "deadline": Answer.ANSWERED,
    "local": Answer.ANSWERED, "human": Answer.ANSWERED, "out_of_scope": Answer.ANSWERED,
    "ack": Answer.ANSWERED, "welcome": Answer.ANSWERED,
    "clarify": Answer.CLARIFIED, "steer": Answer.CLARIFIED,
    "unknown": Answer.UNKNOWN,
    "fallback": Answer.FALLBACK, "error": Answer.FALLBACK, "invalid": Answer.FALLBACK,
    "crisis": Answer.CRISIS,
}
# the gap list: answers the assistant could not give, and intents read with less confidence than this
GAP_ANSWERS = (Answer.UNKNOWN, Answer.FALLBACK)
LOW_CONFIDENCE = 0.5


def answer_of(kind: str | None) -> Answer:
    """The category of one reply kind; a plain ``utter_`` response (no kind) answered the turn."""
    if kind is None:
        return Answer.ANSWERED
    return KIND_ANSWERS.get(kind, Answer.ANSWERED)


def turn_answer(kinds: Iterable[str | None], crisis: bool = False) -> Answer:
    """A turn's category: crisis when any part of it was one, else that of its last reply."""
    listed = [k for k in kinds if k]
    if crisis or Answer.CRISIS.value in listed:
        return Answer.CRISIS
    return answer_of(listed[-1] if listed else None)


def is_answered(answer: Answer) -> bool:
    """The ``turns.answered`` flag: 0 for the gap categories (as it was before the categories)."""
    return answer not in GAP_ANSWERS
