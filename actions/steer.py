"""Escalation talk (越级上访、堵门、去北京): the lawful route first, then what the rules say — no threats."""

from __future__ import annotations

from .base import XinfangAction, region_of
from .render import Reply, excerpt
from .triage import triage_reply

# Articles quoted, in this order: where to visit, what is not allowed, what follows.
STEER_ARTICLES = ["xinfang_gongzuo_tiaoli_2022#20", "xinfang_gongzuo_tiaoli_2022#26",
                  "xinfang_gongzuo_tiaoli_2022#47"]


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
        return steer_reply(rt, text, region_of(tracker)), []

