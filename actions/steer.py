"""Escalation talk (越级上访、堵门、去北京): the lawful route first, then what the rules say — no threats."""

from __future__ import annotations

import re

from rasa_sdk.events import SlotSet

from .base import XinfangAction, region_of
from .render import Reply, excerpt
from .triage import ActionTriage, triage_reply

# Articles quoted, in this order: where to visit, what is not allowed, what follows.
STEER_ARTICLES = ["xinfang_gongzuo_tiaoli_2022#20", "xinfang_gongzuo_tiaoli_2022#26",
                  "xinfang_gongzuo_tiaoli_2022#47"]
# What escalation talk says: where to go over heads, what to block or make public. Every
# threaten_escalation example in data/nlu names one (tests/actions). A text read as escalation
# that names none (「他们说是民事纠纷让我自己解决」) is a problem told, and gets no rules on visits.
ESCALATION = re.compile(
    "上访|上訪|越级|北京|进京|上京|京城|中央|国务院|天安门|省里|省城|省政府|省委|省长|市长|市委|更上面|往上告|告状|"
    "告御状|堵|闹|横幅|橫幅|条幅|静坐|坐着|跪|曝光|媒体|记者|抖音|发视频|网上|传单|揭发|讨.{0,2}说法|要个说法|"
    "讨个公道|豁出去|集体|一起去|都去|全家|一家老小|门口|大门|国家信访局"
)


def names_escalation(text: str) -> bool:
    return bool(ESCALATION.search(text))


def steer_reply(rt, text: str, region: str | None) -> Reply:
    kb = rt.kb
    triage = rt.classifier.classify(text)
    reply = triage_reply(rt, text, triage, region)
    reply.kind = "steer"
    intro = "理解您着急的心情。把问题真正解决，最有效的是走对途径。"
    reply.texts.insert(0, intro)
    notes = []
    for aid in STEER_ARTICLES:
        art = kb.corpus.article(aid)
        notes.append(f"{kb.corpus.citation(aid)}：“{excerpt(art.text.split(' ', 1)[-1], 120)}”")
        reply.cite(kb, aid)
    reply.texts.insert(len(reply.texts) - 1, "另外，关于走访的方式，条例是这样规定的，供您参考：\n" + "\n".join(notes))
    return reply


class ActionSteer(XinfangAction):
    def name(self) -> str:
        return "action_steer"

    def respond(self, rt, tracker, text):
        if names_escalation(text):
            return steer_reply(rt, text, region_of(tracker)), []
        if not tracker.active_loop_name:
            # a problem told: triaged as any description is (the clarifying questions when it is vague)
            return ActionTriage().respond(rt, tracker, text)
        # Inside the clarifying form, which the rules close next: said about the matter being
        # clarified, and answered with it now (no second round of questions).
        previous = tracker.get_slot("problem_text")
        matter = f"{previous}，{text}" if previous and text not in previous else text
        triage = rt.classifier.classify(matter, tracker.get_slot("problem_domain"), tracker.get_slot("case_status"))
        return triage_reply(rt, matter, triage, region_of(tracker)), [SlotSet("problem_text", matter)]

