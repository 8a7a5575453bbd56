"""Crisis first: 110/120 and the psychological help line, before anything else."""

from __future__ import annotations

from rasa_sdk.events import SlotSet

from knowledge.crisis import detect_crisis

from .base import XinfangAction, crisis_reply, intent_of

# When the dialogue model is this sure it heard danger, the crisis route also leads the route list.
CONFIDENT_CRISIS = 0.8


class ActionCrisis(XinfangAction):
    def name(self) -> str:
        return "action_crisis"

    def respond(self, rt, tracker, text):
        kind = detect_crisis(text)
        reply = crisis_reply(rt, kind or "intent")
        if not kind and text.strip():
            # The dialogue model heard danger but no crisis words are present: help lines still come
            # first, and the routes are ranked by the evidence (an injury at work is still 工伤).
            triage = rt.classifier.classify(text)
            reply.routes, reply.cards = [], []
            sure = (intent_of(tracker).get("confidence") or 0.0) >= CONFIDENT_CRISIS
            if sure:
                reply.add_route(rt.kb, rt.kb.routes["crisis"], "您说的情况可能涉及人身安全，先求助")
            reply.add_ranking(rt.kb, triage.ranking)
            if not sure:
                reply.add_route(rt.kb, rt.kb.routes["crisis"], "如有人身危险，先求助")
        return reply, [SlotSet("requested_slot", None)]
