"""The one mapping from the actions' reply kinds to the dashboard's answer categories."""

from __future__ import annotations

import re

import pytest

from bot.analytics.answers import KIND_ANSWERS, Answer, answer_of, is_answered, turn_answer
from tests.paths import ROOT

REPLY_KIND = re.compile(r"""\bReply\(\s*["']([a-z_]+)["']""")


def kinds_in_actions() -> set[str]:
    found = set()
    for path in (ROOT / "actions").rglob("*.py"):
        found.update(REPLY_KIND.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_reply_kind_of_the_actions_has_a_category():
    kinds = kinds_in_actions()
    assert {"triage", "answer", "deadline", "clarify", "unknown", "fallback", "ack"} <= kinds   # the scan works
    assert kinds - set(KIND_ANSWERS) == set(), "add the new kinds to bot/analytics/answers.py KIND_ANSWERS"


@pytest.mark.parametrize("kinds,crisis,expected", [
    (["triage"], False, Answer.ANSWERED),
    (["answer"], False, Answer.ANSWERED),
    (["deadline"], False, Answer.ANSWERED),
    (["clarify"], False, Answer.CLARIFIED),
    (["steer"], False, Answer.CLARIFIED),
    (["unknown"], False, Answer.UNKNOWN),
    (["fallback"], False, Answer.FALLBACK),
    (["error"], False, Answer.FALLBACK),
    (["crisis"], False, Answer.CRISIS),
    (["crisis", "triage"], False, Answer.CRISIS),      # help lines, then the matter's route
    (["triage"], True, Answer.CRISIS),                 # the service put the help lines first
    ([], False, Answer.ANSWERED),                      # a plain utter_ response (greeting)
    ([None, "clarify"], False, Answer.CLARIFIED),
])
def test_a_turn_takes_the_category_of_its_last_reply_unless_it_was_a_crisis(kinds, crisis, expected):
    assert turn_answer(kinds, crisis=crisis) is expected


def test_only_the_gap_categories_count_as_not_answered():
    assert [a for a in Answer if not is_answered(a)] == [Answer.UNKNOWN, Answer.FALLBACK]
    assert answer_of("a-kind-from-the-future") is Answer.ANSWERED
