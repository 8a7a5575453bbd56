"""Escalation talk (越级上访、堵门、去北京): the lawful route first, then what the rules on visits say —
no threats.

Any talk of going over heads, blocking or making public is ``escalation`` (sources/dialogue_words.yaml);
``disrupts`` is the narrower part a description may carry (「再不给我就去北京上访」「明天去高速路口拦车」).
With a matter told, the matter is answered and the rules on visits follow; with none, the person
is asked what the matter is and no route is guessed from the escalation words themselves.
"""

from __future__ import annotations

from .render import DISCLAIMER, Reply, lead_paragraphs, legal_hotline
from .turn import Matter, Turn

QUOTE_CHARS = 150
INTRO = "理解您着急的心情。把问题真正解决，最有效的是走对途径。"
ASK_MATTER = ("您遇到的是什么事？比如欠工资、征地拆迁、对政府部门的决定不服、法院的案子、邻里纠纷……"
              "把事情的经过说一说，我帮您找到管这件事的部门和办法。")
XINFANG_ROUTE = "xinfang"


def with_visit_rules(turn: Turn, reply: Reply) -> Reply:
    """``reply`` as an answer to escalation talk: a word of understanding first, then, folded under
    the answer, what the 信访工作条例 says of visits, quoted and cited; no threats."""
    kb = turn.rt.kb
    reply.kind = "steer"
    reply.texts.insert(0, INTRO)
    notes = []
    for aid in turn.words.visit_articles:
        art = kb.corpus.article(aid)
        notes.append(f"{kb.corpus.citation(aid)}：“{lead_paragraphs(art.text.split(' ', 1)[-1], QUOTE_CHARS)}”")
        reply.cite(kb, aid)
    reply.detail("关于走访，条例是这样规定的", "\n".join(notes))
    return reply


def steer(turn: Turn) -> tuple[Reply, Matter]:
    """The route for the matter first, then the rules on visits.

    The matter is the one this message tells (「工资拖了半年不给，我要去北京上访」), else the one told
    before (「不解决我就去北京」 after the wages); inside the clarifying form, what is said is about the
    matter being clarified, answered with it now. A question about visits with no matter
    (「能不能直接坐车去北京国家信访局上访」) gets the article that answers it; otherwise, with no matter
    known, the person is asked what it is. The route is chosen for the matter, its escalation talk left out.
    """
    from .answer import answer_question
    from .triage import triage_reply

    kb, words = turn.rt.kb, turn.words
    matter = turn.text if words.names_matter_besides_escalation(turn.text) else turn.matter.text
    if matter is not None and turn.form_active and turn.matter.text and matter != turn.matter.text:
        matter = turn.with_matter()
    if matter is None:
        if turn.asks:
            asked = answer_question(turn, turn.text, asked=words.own_words(turn.text))
            if asked.kind == "answer":
                return with_visit_rules(turn, asked), turn.remembered()
        reply = Reply("steer", needs_clarification=True)
        reply.texts.append(ASK_MATTER)
        card = kb.routes[XINFANG_ROUTE]
        reply.add_route(kb, card, card.summary, turn.pack)
        reply.texts.append(DISCLAIMER.format(legal_hotline=legal_hotline(kb, turn.pack)))
        return with_visit_rules(turn, reply), turn.remembered()
    triage = turn.classify(words.without_escalation(matter))
    reply = triage_reply(turn, matter, triage, card_shown_before=matter == turn.matter.text
                         and turn.matter.route == triage.routes[0])
    return with_visit_rules(turn, reply), turn.remembered(matter, triage.routes[0])
