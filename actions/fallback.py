"""Unknown or out of scope: say so, show the closest provisions and the human channels. Never make up law."""

from __future__ import annotations

from .base import HUMAN_CHANNELS, XinfangAction, find_pack, intent_of, region_of
from .render import Reply, channels_for


def fallback_reply(rt, text: str, out_of_scope: bool, region: str | None = None) -> Reply:
    kb = rt.kb
    pack = find_pack(rt, region)
    reply = Reply("out_of_scope" if out_of_scope else "fallback")
    if out_of_scope:
        reply.texts.append("这个我帮不上忙。我能做的是：说明信访和各类法定途径怎么走、找谁办、期限多长，并附上法律条文。"
                           "您可以直接说说遇到的问题。")
        return reply
    reply.texts.append("这个问题我还没有把握回答，不想误导您。")
    hits = rt.retriever.search(text, k=3) if text.strip() else []
    if hits:
        reply.texts.append("可能相关的规定：" + "、".join(h.citation for h in hits if h.citation))
        for h in hits:
            if h.article is not None:
                reply.cite(kb, h.id)
    reply.texts.append("也可以找人工咨询：\n" + "\n".join(channels_for(kb, HUMAN_CHANNELS, pack)))
    if text.strip():
        # Not sure what was meant, but not out of scope either: the best guess at routes still helps.
        reply.add_ranking(kb, rt.classifier.classify(text).ranking, pack)
    return reply


class ActionFallback(XinfangAction):
    def name(self) -> str:
        return "action_fallback"

    def respond(self, rt, tracker, text):
        out_of_scope = intent_of(tracker).get("name") == "out_of_scope"
        return fallback_reply(rt, text, out_of_scope, region_of(tracker)), []


class ActionHumanHelp(XinfangAction):
    def name(self) -> str:
        return "action_human_help"

    def respond(self, rt, tracker, text):
        pack = find_pack(rt, region_of(tracker))
        reply = Reply("human")
        reply.texts.append("可以通过这些渠道找到工作人员：\n" + "\n".join(channels_for(rt.kb, HUMAN_CHANNELS, pack)))
        if pack:
            reply.texts.append("本地：" + "、".join(o.name for o in pack.offices))
        return reply, []
