"""Escalation talk (越级上访、堵门、去北京): the lawful route first, then what the rules say — no threats."""

from __future__ import annotations

from rasa_sdk.events import SlotSet

from .base import XinfangAction, find_pack, region_of
from .deadline import XINFANG_ROUTE
from .escalation import names_escalation, names_matter, with_visit_rules
from .render import DISCLAIMER, Reply, legal_hotline
from .triage import ActionTriage, triage_reply

ASK_MATTER = ("您遇到的是什么事？比如欠工资、征地拆迁、对政府部门的决定不服、法院的案子、邻里纠纷……"
              "把事情的经过说一说，我帮您找到管这件事的部门和办法。")


def steer_reply(rt, matter: str | None, region: str | None) -> Reply:
    """The route for ``matter`` first, then the rules on visits. With no matter known, no route is guessed
    from the escalation words themselves (「这回我就去北京」 once got labour arbitration): the person is
    asked what the matter is, and 信访's own card says how to raise it lawfully."""
    kb = rt.kb
    if matter is not None:
        return with_visit_rules(kb, triage_reply(rt, matter, rt.classifier.classify(matter), region))
    pack = find_pack(rt, region)
    reply = Reply("steer", needs_clarification=True)
    reply.texts.append(ASK_MATTER)
    card = kb.routes[XINFANG_ROUTE]
    reply.add_route(kb, card, card.summary, pack)
    reply.texts.append(DISCLAIMER.format(legal_hotline=legal_hotline(kb, pack)))
    return with_visit_rules(kb, reply)


class ActionSteer(XinfangAction):
    def name(self) -> str:
        return "action_steer"

    def respond(self, rt, tracker, text):
        if names_escalation(text):
            if names_matter(text):
                return steer_reply(rt, text, region_of(tracker)), [SlotSet("problem_text", text)]
            # 「不解决我就去北京」 after a matter is about that matter
            return steer_reply(rt, tracker.get_slot("problem_text"), region_of(tracker)), []
        if not tracker.active_loop_name:
            # a problem told: triaged as any description is (the clarifying questions when it is vague)
            return ActionTriage().respond(rt, tracker, text)
        # Inside the clarifying form, which the rules close next: said about the matter being
        # clarified, and answered with it now (no second round of questions).
        previous = tracker.get_slot("problem_text")
        matter = f"{previous}，{text}" if previous and text not in previous else text
        triage = rt.classifier.classify(matter, tracker.get_slot("problem_domain"), tracker.get_slot("case_status"))
        return triage_reply(rt, matter, triage, region_of(tracker)), [SlotSet("problem_text", matter)]

