"""Crisis first: 110/120 and the psychological help line, before anything else."""

from __future__ import annotations

from rasa_sdk.events import SlotSet

from knowledge.crisis import detect_crisis

from .base import XinfangAction, crisis_reply, region_of
from .triage import triage_reply


class ActionCrisis(XinfangAction):
    def name(self) -> str:
        return "action_crisis"

    def respond(self, rt, tracker, text):
        kind = detect_crisis(text)
        if kind or not text.strip():
            return crisis_reply(rt, kind or "intent"), [SlotSet("requested_slot", None)]
        # The dialogue model heard danger but no crisis words are present. The model is wrong
        # often enough here (a dog barking all day, a fight at a restaurant) that the help lines
        # come first but short, followed by the full answer to the problem; the routes are ranked
        # by the evidence (an injury at work is still 工伤) and the crisis route comes last.
        help_first = crisis_reply(rt, "intent")
        triage = rt.classifier.classify(text)
        reply = triage_reply(rt, text, triage, region_of(tracker))
        reply.kind = "crisis"
        reply.texts.insert(0, help_first.texts[0])
        reply.extra["crisis"] = "intent"
        reply.add_route(rt.kb, rt.kb.routes["crisis"], "如有人身危险，先求助")
        return reply, [SlotSet("requested_slot", None), SlotSet("problem_text", text)]
