"""The one turn policy: a turn (``actions/turn.Turn``) is mapped through one table to its reply.

Rasa's rules choose which of our actions runs, which is the NLU's reading of the message; the
table reads that together with everything else the turn tells (crisis words, the matter kept
from earlier turns, a date the bot asked for, whether the message follows up, asks or
describes) and picks the first row that holds. Every row's builder returns the reply and the
matter as it stands after the turn; the slot events come from the difference.

Crisis comes first here, in the action server; the service (``bot/conversation``) guarantees
the help lines once more for replies that did not come from this table (Rasa's canned ones).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasa_sdk.events import ActiveLoop, SlotSet

from knowledge.coverage import content_words
from knowledge.crisis import MODEL_KIND
from knowledge.deadlines import find_limit, only_a_date

from . import answer, deadline, escalation, fallback, local_info, triage, welcome
from .crisis import crisis_reply, with_help_lines
from .render import Reply
from .turn import FORM, Matter, Turn

ACK_INTENTS = frozenset({"affirm", "deny"})
ACK_MAX_CHARS = 8

Outcome = tuple[Reply, Matter]
Build = Callable[[Turn], Outcome]


def _has(turn: Turn, pattern: str) -> bool:
    return turn.words.has(pattern, turn.text)


# -- what kind of message it is (each a predicate over the turn) ------------------------------
def is_blank(turn: Turn) -> bool:
    return not any(ch.isalnum() for ch in turn.text)


def is_date_reply(turn: Turn) -> bool:
    """The date the bot asked for; or, unasked, a message that only tells a date (「是11月20号收到的」) after
    a matter whose route has a limit of the person's own: the date that limit runs from."""
    if turn.crisis or not (turn.asked_for_date or (turn.matter.route and only_a_date(turn.text, turn.today))):
        return False
    return deadline.date_reply_question(turn) is not None


def is_ack(turn: Turn) -> bool:
    """A bare yes or no outside the form (inside it, the form reads it as its answer)."""
    return (turn.intent in ACK_INTENTS and not turn.form_active and len(turn.core) <= ACK_MAX_CHARS
            and not turn.asks)


GREETING_MAX_CHARS = 12


def is_greeting(turn: Turn) -> bool:
    """A greeting as the NLU read it, when that is all it is: 「你好律师，我老公打我…」 opens with a greeting
    and is a problem told."""
    return turn.action == "action_welcome" and (turn.text.startswith("/") or len(turn.core) <= GREETING_MAX_CHARS
                                                or turn.words.says_nothing(turn.text))


def is_about_the_bot(turn: Turn) -> bool:
    return _has(turn, "about_the_bot") and not _has(turn, "harm")


def is_escalation(turn: Turn) -> bool:
    """Escalation talk (越级, 堵门, 去北京), when the NLU read it so or it is a threat to disrupt."""
    if not _has(turn, "escalation"):
        return False
    return turn.action == "action_steer" or _has(turn, "disrupts")


def asks_when(turn: Turn) -> bool:
    """「最晚哪天」「还来得及吗」 about a limit named here or by the matter (「那仲裁最晚哪天」); or a question
    that names a limit and tells the day it started (「收到信访答复都40天了 还能申请复查不」)."""
    dated = turn.asks and turn.date is not None and find_limit(turn.rt.kb, turn.text) is not None
    return (_has(turn, "asks_when") or dated) and deadline.question_of(turn) is not None


def asks_how_long_a_step_takes(turn: Turn) -> bool:
    """「复查完了多久给我答复」: how long a named step takes, no date to count from."""
    return (_has(turn, "asks_how_long") and not _has(turn, "asks_when") and turn.words.names_topic(turn.text)
            and turn.date is None)


def asks_how_long_after_matter(turn: Turn) -> bool:
    return _has(turn, "asks_how_long") and turn.follows_up


def asks_how_long_of_nothing(turn: Turn) -> bool:
    return (_has(turn, "asks_how_long") and turn.words.is_follow_up(turn.text) and not turn.matter.text
            and turn.intent != "out_of_scope")


def is_out_of_scope(turn: Turn) -> bool:
    """Out of scope as the NLU read it (unless harm is told: small talk is the NLU's mistake then), or as
    the route model reads it (criminal defence, tax planning, drafting: its out-of-scope class learned
    those, harm words and all): no routes either way."""
    if turn.crisis:
        return False
    if turn.intent == "out_of_scope" and not _has(turn, "harm"):
        return True
    return turn.triage.out_of_scope and not turn.follows_up


def the_texts_answer_what_is_asked(turn: Turn) -> bool:
    """A question an indexed article answers in the question's own legal terms (``answer.texts_answer``)."""
    return turn.asks and answer.texts_answer(turn)


def answered_out_of_scope(turn: Turn) -> bool:
    """Out of scope for routing as the route model reads it, but an indexed article answers what is
    asked (「人民调解签的协议到底有没有法律效力」): the article, and no route (``answer.question`` gives
    none for out of scope)."""
    return (turn.intent != "out_of_scope" and turn.triage.out_of_scope and not turn.follows_up
            and not turn.crisis and the_texts_answer_what_is_asked(turn))


def is_question(turn: Turn) -> bool:
    """A question about a procedure or a right, as the NLU read it, or one it was unsure of that names a
    procedure; a description that asks (「…这合法吗」) is a description, answered with both."""
    if turn.action == "action_answer":
        return True
    # unsure what was meant: a question about a procedure, with a word of its own an article can be
    # checked against (with none, the first article found would be quoted unchecked)
    return (turn.action == "action_fallback" and turn.asks and turn.words.names_topic(turn.text)
            and bool(content_words(turn.rt.retriever.index.tokenizer, turn.words.own_words(turn.text))))


PROCEDURE_ROUTES = frozenset({"xinfang", "xinfang_review"})


def asks_about_the_procedure(turn: Turn) -> bool:
    """A question whose matter is 信访 itself (the route model's first route: 信访 or its review): what the
    procedure says answers it, so the article comes first and the route after it, whatever the NLU read
    (「俺不识字，写不了材料，嘴上说行不行」 is a question about 第十七条, not a problem to triage)."""
    return turn.asks and not turn.triage.out_of_scope and turn.triage.routes[:1] != [] \
        and turn.triage.routes[0] in PROCEDURE_ROUTES


def is_unsure(turn: Turn) -> bool:
    """The NLU could not read it (or read a yes, a no, an answer out of place): the closest provisions
    named, not quoted; harm told is a problem, whatever it was read as."""
    return turn.action == "action_fallback" and not _has(turn, "harm")


# -- the table --------------------------------------------------------------------------------
def is_crisis(turn: Turn) -> bool:
    """Crisis words or phrasings of the lexicon (``knowledge/crisis``, the one check). What only the crisis
    model finds is less certain: the reply keeps its own answer and the help lines go before it
    (``respond``). The NLU's crisis reading alone decides nothing: it took 「同村同姓可以结婚嘛」 for one."""
    return turn.crisis is not None and turn.crisis != MODEL_KIND


TABLE: list[tuple[str, Callable[[Turn], bool], Build]] = [
    ("crisis", is_crisis, crisis_reply),
    # the form's answers are in (its last question was the stage): the plan, whatever else matches
    ("form_answered", lambda t: t.action == "action_triage_answer", triage.form_answered),
    ("date_reply", is_date_reply, deadline.date_reply),
    ("one_question_answered", triage.answers_one_question, triage.stage_answered),
    ("ack", is_ack, fallback.acknowledgement),
    ("blank", is_blank, fallback.listening),
    ("about_the_bot", is_about_the_bot, fallback.sorry),
    ("welcome", is_greeting, welcome.welcome),
    ("human", lambda t: t.action == "action_human_help", fallback.human),
    ("local", lambda t: t.action == "action_local_info", local_info.local),
    ("escalation", is_escalation, escalation.steer),
    ("deadline", asks_when, deadline.deadline),
    ("step_takes", asks_how_long_a_step_takes, deadline.step_limits),
    ("how_long", asks_how_long_after_matter, deadline.matter_limits),
    ("how_long_of_what", asks_how_long_of_nothing, deadline.which_matter),
    ("follow_up", lambda t: t.follows_up, answer.follow_up),
    ("answered_out_of_scope", answered_out_of_scope, answer.question),
    ("out_of_scope", is_out_of_scope, fallback.out_of_scope),
    ("question", is_question, answer.question),
    ("procedure_question", asks_about_the_procedure, answer.question),
    ("unsure", is_unsure, fallback.unsure),
    ("description", lambda t: True, triage.description),
]


def decide(turn: Turn) -> str:
    """The name of the table's row for ``turn``."""
    return next(name for name, when, _ in TABLE if when(turn))


def respond(turn: Turn) -> tuple[Reply, list[dict[str, Any]]]:
    """The reply to the turn and the events that keep what it established."""
    name = decide(turn)
    build = next(b for n, _, b in TABLE if n == name)
    reply, matter = build(turn)
    reply.extra["rule"] = name
    if turn.crisis == MODEL_KIND and name != "crisis":
        with_help_lines(turn, reply)
    events = matter.events(turn.matter)
    if reply.extra.pop("start_form", False):
        events.append(ActiveLoop(FORM))
    if name in ("crisis", "form_answered"):
        events += [SlotSet("requested_slot", None)]
    if name == "form_answered":
        events += [SlotSet("problem_domain", None), SlotSet("case_status", None)]
    return reply, events
