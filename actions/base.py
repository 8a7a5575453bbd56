"""What every action of ours is: read the turn once, let the policy answer it, never crash.

The actions (``actions/dialogue.py``) are thin: Rasa's rules choose which one runs (that is the
NLU's reading of the message), and each hands the turn to ``policy.respond``, which decides the
reply from everything the turn tells (``actions/turn.Turn``), the action's name among it.
"""

from __future__ import annotations

import abc
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from knowledge.errors import QueryError

from . import policy
from .render import Reply
from .runtime import runtime
from .turn import Turn

logger = logging.getLogger(__name__)


class XinfangAction(Action, metaclass=abc.ABCMeta):
    """Base: the policy answers; errors never reach users.

    Abstract, so rasa-sdk (which registers every concrete Action subclass) skips it.
    """

    @abc.abstractmethod
    def name(self) -> str:
        raise NotImplementedError("name")

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        intent = (tracker.latest_message or {}).get("intent") or {}
        try:
            turn = Turn.read(runtime(), tracker, self.name())
            reply, events = policy.respond(turn)
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
