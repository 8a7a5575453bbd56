"""Crisis first: 110/120 and the psychological help line, before anything else."""

from __future__ import annotations

from knowledge.crisis import CRISIS_FOLLOW_UP, CRISIS_WHY, crisis_message

from .render import Reply
from .turn import Matter, Turn

CRISIS = "crisis"


def help_lines(turn: Turn) -> str:
    return crisis_message(turn.rt.kb.channels, turn.words.crisis_channels)


def crisis_reply(turn: Turn) -> tuple[Reply, Matter]:
    """The help lines first; then, when the message also tells a matter the NLU read as such
    (「我不想活了，公司欠我工资三个月」 read as a description), that matter's plan, so the person is not left
    without one once safe. What the NLU read as a crisis alone gets the lines and a word of care.

    The route first depends on the danger: a person harmed by someone else goes to the police (110
    is theirs), self-harm and threats to others to the crisis lines' route.
    """
    from .triage import triage_reply  # the crisis reply wraps the triage's, which never needs this

    kb = turn.rt.kb
    kind = turn.crisis or "intent"
    sure = turn.words.crisis_routes.get(kind)   # None: the matter's routes stay first
    first = sure or CRISIS
    describes = not turn.words.says_nothing(turn.text) and not turn.triage.out_of_scope \
        and turn.action != "action_crisis"
    if describes:
        reply = triage_reply(turn, turn.text, turn.triage)
        reply.kind = CRISIS
        reply.texts.insert(0, help_lines(turn))
        routes, cards = reply.routes, reply.cards
        reply.routes, reply.cards = [], []
        if sure is None:   # no crisis words: the matter's routes first, the help lines' route last
            reply.routes, reply.cards = routes, cards
        reply.add_route(kb, kb.routes[first], CRISIS_WHY)
        if sure is not None:
            reply.routes += [r for r in routes if r["id"] != first]
            reply.cards += [c for c in cards if c["id"] != first]
        matter = turn.remembered(turn.text, next((r["id"] for r in routes if r["id"] != CRISIS), None))
    else:
        reply = Reply(CRISIS)
        reply.texts.append(help_lines(turn))
        reply.texts.append(CRISIS_FOLLOW_UP)
        reply.add_route(kb, kb.routes[first], CRISIS_WHY)
        if first != CRISIS:
            reply.add_route(kb, kb.routes[CRISIS], CRISIS_WHY)
        matter = turn.remembered()
    reply.extra["crisis"] = kind
    return reply, matter


def with_help_lines(turn: Turn, reply: Reply) -> None:
    """The help lines before ``reply``, and the crisis route after its own: for danger only the crisis
    model heard, which is less certain than the lexicon."""
    reply.texts.insert(0, help_lines(turn))
    reply.add_route(turn.rt.kb, turn.rt.kb.routes[CRISIS], CRISIS_WHY)
    reply.extra["crisis"] = turn.crisis
