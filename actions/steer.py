"""Escalation talk (越级上访、堵门、去北京): the lawful route first, then what the rules say — no threats."""

from __future__ import annotations

from rasa_sdk.events import SlotSet

from .base import XinfangAction, find_pack, region_of
from .deadline import XINFANG_ROUTE
from .escalation import names_escalation, names_matter
from .render import DISCLAIMER, Reply, lead_paragraphs, legal_hotline
from .triage import ActionTriage, triage_reply

# Articles quoted, in this order: where to visit (本级或者上一级, 涉诉 to the 政法部门, at most 5
# representatives), what is not allowed, what follows; each as its first paragraphs up to QUOTE_CHARS.
STEER_ARTICLES = ["xinfang_gongzuo_tiaoli_2022#20", "xinfang_gongzuo_tiaoli_2022#26",
                  "xinfang_gongzuo_tiaoli_2022#47"]
QUOTE_CHARS = 150
ASK_MATTER = ("您遇到的是什么事？比如欠工资、征地拆迁、对政府部门的决定不服、法院的案子、邻里纠纷……"
              "把事情的经过说一说，我帮您找到管这件事的部门和办法。")


def steer_reply(rt, text: str, region: str | None, matter: str | None = None, triage=None) -> Reply:
    """The route for ``matter`` first, then the rules on visits. With no matter known, no route is guessed
    from the escalation words themselves (「这回我就去北京」 once got labour arbitration): the person is
    asked what the matter is, and 信访's own card says how to raise it lawfully. ``triage`` is the
    ranking already made for the matter, when the caller has one (its slots, violence told)."""
    kb = rt.kb
    if matter is None:
        reply = Reply("steer", needs_clarification=True)
        reply.texts.append(ASK_MATTER)
        card = kb.routes[XINFANG_ROUTE]
        reply.add_route(kb, card, card.summary, find_pack(rt, region))
        reply.texts.append(DISCLAIMER.format(legal_hotline=legal_hotline(kb, find_pack(rt, region))))
    else:
        reply = triage_reply(rt, matter, triage or rt.classifier.classify(matter), region)
        reply.kind = "steer"
    intro = "理解您着急的心情。把问题真正解决，最有效的是走对途径。"
    reply.texts.insert(0, intro)
    notes = []
    for aid in STEER_ARTICLES:
        art = kb.corpus.article(aid)
        notes.append(f"{kb.corpus.citation(aid)}：“{lead_paragraphs(art.text.split(' ', 1)[-1], QUOTE_CHARS)}”")
        reply.cite(kb, aid)
    reply.texts.insert(len(reply.texts) - 1, "另外，关于走访的方式，条例是这样规定的，供您参考：\n" + "\n".join(notes))
    return reply


class ActionSteer(XinfangAction):
    def name(self) -> str:
        return "action_steer"

    def respond(self, rt, tracker, text):
        if names_escalation(text):
            if names_matter(text):
                return steer_reply(rt, text, region_of(tracker), matter=text), [SlotSet("problem_text", text)]
            # 「不解决我就去北京」 after a matter is about that matter
            return steer_reply(rt, text, region_of(tracker), matter=tracker.get_slot("problem_text")), []
        if not tracker.active_loop_name:
            # a problem told: triaged as any description is (the clarifying questions when it is vague)
            return ActionTriage().respond(rt, tracker, text)
        # Inside the clarifying form, which the rules close next: said about the matter being
        # clarified, and answered with it now (no second round of questions).
        previous = tracker.get_slot("problem_text")
        matter = f"{previous}，{text}" if previous and text not in previous else text
        triage = rt.classifier.classify(matter, tracker.get_slot("problem_domain"), tracker.get_slot("case_status"))
        return triage_reply(rt, matter, triage, region_of(tracker)), [SlotSet("problem_text", matter)]

