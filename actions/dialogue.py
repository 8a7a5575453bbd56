"""The actions Rasa's rules name: each hands the turn to the one policy (``actions/policy``).

Which one runs is the NLU's reading of the message (``data/rules.yml``); the policy reads that with
the rest of the turn, so two actions can give the same reply and none decides on its own.
"""

from __future__ import annotations

from .base import XinfangAction


class ActionWelcome(XinfangAction):
    def name(self) -> str:
        return "action_welcome"


class ActionAnswer(XinfangAction):
    def name(self) -> str:
        return "action_answer"


class ActionTriage(XinfangAction):
    def name(self) -> str:
        return "action_triage"


class ActionTriageAnswer(XinfangAction):
    def name(self) -> str:
        return "action_triage_answer"


class ActionDeadline(XinfangAction):
    def name(self) -> str:
        return "action_deadline"


class ActionLocalInfo(XinfangAction):
    def name(self) -> str:
        return "action_local_info"


class ActionSteer(XinfangAction):
    def name(self) -> str:
        return "action_steer"


class ActionCrisis(XinfangAction):
    def name(self) -> str:
        return "action_crisis"


class ActionFallback(XinfangAction):
    def name(self) -> str:
        return "action_fallback"


class ActionHumanHelp(XinfangAction):
    def name(self) -> str:
        return "action_human_help"
