"""What every action of ours does first: crisis check, region, and a reply that never crashes."""

from __future__ import annotations

import abc
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from knowledge.crisis import CRISIS_FOLLOW_UP, CRISIS_WHY, crisis_message, detect_crisis
from knowledge.deadlines import with_follow_up_date
from knowledge.errors import QueryError
from knowledge.packs import Pack

from .context import asked_for_date
from .render import Reply
from .runtime import Runtime, runtime

logger = logging.getLogger(__name__)

HUMAN_CHANNELS = ["hotline_12345", "hotline_12348"]
# actions that read a bare date as the answer to an earlier deadline question
DATE_REPLY_ACTIONS = frozenset({"action_answer", "action_triage", "action_deadline", "action_fallback",
                                "action_local_info"})


def user_text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def intent_of(tracker: Tracker) -> dict[str, Any]:
    return (tracker.latest_message or {}).get("intent") or {}


def find_pack(rt: Runtime, region: str | None) -> Pack | None:
    """A pack by region code or by (part of) its name: 湖里区, 湖里, 350206, 枣庄市."""
    if not region:
        return None
    region = region.strip()
    packs = rt.kb.packs
    if region in packs:
        return packs[region]
    short = region.rstrip("市区县省")
    for pack in packs.values():
        if region in pack.region_name or (len(short) >= 2 and short in pack.region_name):
            return pack
    return None


def region_of(tracker: Tracker) -> str | None:
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    return metadata.get("region") or tracker.get_slot("region")


def crisis_reply(rt: Runtime, kind: str) -> Reply:
    reply = Reply("crisis")
    reply.texts.append(crisis_message(rt.kb.channels))
    reply.texts.append(CRISIS_FOLLOW_UP)
    reply.add_route(rt.kb, rt.kb.routes["crisis"], CRISIS_WHY)
    reply.extra["crisis"] = kind
    return reply


class XinfangAction(Action, metaclass=abc.ABCMeta):
    """Base: crisis words get the crisis response first, whatever the action; errors never reach users.

    Abstract, so rasa-sdk (which registers every concrete Action subclass) skips it.
    """

    @abc.abstractmethod
    def name(self) -> str:
        raise NotImplementedError("name")

    @abc.abstractmethod
    def respond(self, rt: Runtime, tracker: Tracker, text: str) -> tuple[Reply, list[dict[str, Any]]]:
        raise NotImplementedError("respond")

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        text = user_text(tracker)
        intent = intent_of(tracker)
        try:
            rt = runtime()
            kind = detect_crisis(text) if text else None
            if kind and self.name() != "action_crisis":
                crisis_reply(rt, kind).send(dispatcher, intent)
            question = (with_follow_up_date(rt.kb, tracker.get_slot("problem_text"), text)
                        if not kind and asked_for_date(tracker) else None)
            if question and self.name() in DATE_REPLY_ACTIONS:
                # the date the deadline reply asked for, whatever the reply itself was read as
                from .deadline import deadline_reply

                reply, events = deadline_reply(rt, question, region=region_of(tracker)), [SlotSet("problem_text", question)]
            else:
                reply, events = self.respond(rt, tracker, text)
        except QueryError as exc:
            reply, events = Reply("invalid", texts=[str(exc)]), []
        except Exception:  # never a traceback to a citizen
            logger.exception("actions.error", extra={"action": self.name()})
            reply, events = Reply("error", texts=["抱歉，系统暂时出了点问题，请稍后再试。"]), []
        reply.send(dispatcher, intent)
        return events + next_action(tracker, events)


def next_action(tracker: Tracker, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The action that follows ours, named so that Rasa runs it without asking its policies.

    Rasa predicts each next action by running every policy (rules, memoization, TED), about
    as much work as the action itself. Where the rules leave no choice it is named here:

    - our action started the clarifying form (``ActiveLoop`` among its events): the form runs
      next and asks its question;
    - no form is active: the bot waits for the user (every rule and story ends our actions
      with ``action_listen`` then);
    - a form is active (the user interrupted it): nothing is named, and the rules decide
      whether the form resumes or is closed.

    The conversation tests (``tests/conversations``) check with the policies that they
    predict the same actions.
    """
    started = [e.get("name") for e in events if e.get("event") == "active_loop" and e.get("name")]
    if started:
        return [FollowupAction(started[-1])]
    if tracker.active_loop_name:
        return []
    return [FollowupAction("action_listen")]
