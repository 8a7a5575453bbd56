"""Crisis first: 110/120 and the psychological help line, before anything else."""

from __future__ import annotations

from rasa_sdk.events import SlotSet

from knowledge.crisis import detect_crisis

from .base import XinfangAction, crisis_reply


class ActionCrisis(XinfangAction):
    def name(self) -> str:
        return "action_crisis"

    def respond(self, rt, tracker, text):
        return crisis_reply(rt, detect_crisis(text) or "intent"), [SlotSet("requested_slot", None)]
