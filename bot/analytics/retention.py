"""Retention and erasure: events older than ``ANALYTICS_RETENTION_DAYS`` go; one person's go on request.

A vote goes with the turn it was given on (and with its own age); erasure finds a person by the
keyed hash their turns were recorded under, made by ``Conversations.user_hash`` itself, so a
change to how senders are hashed cannot leave anyone unfindable here.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import cast

from sqlalchemy import and_, delete, exists, func, select
from sqlalchemy.engine import Engine

from ..store import feedback, turns

logger = logging.getLogger(__name__)
FORGET_CHANNELS = ("web", "wechat")   # where a sender is a person; /api/ask and the desk make a new id per question


@dataclass(frozen=True)
class Deleted:
    turns: int
    feedback: int

    def as_dict(self) -> dict[str, int]:
        return {"turns": self.turns, "feedback": self.feedback}


def cutoff(days: int, now: dt.datetime | None = None) -> dt.datetime:
    if days < 1:
        raise ValueError(f"保留天数至少为 1（收到 {days}）")
    return (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=days)


def purge(engine: Engine, days: int, now: dt.datetime | None = None, dry_run: bool = False) -> Deleted:
    """Deletes the turns older than ``days`` days, the votes on them, and votes older than that."""
    before = cutoff(days, now)
    old_turn = exists().where(turns.c.channel == feedback.c.channel, turns.c.ref == feedback.c.answer_ref,
                              turns.c.created_at < before)
    votes_where = (feedback.c.created_at < before) | old_turn
    with engine.begin() as conn:
        if dry_run:
            n_turns = conn.execute(select(func.count()).where(turns.c.created_at < before)).scalar_one()
            n_votes = conn.execute(select(func.count()).select_from(feedback).where(votes_where)).scalar_one()
            return Deleted(int(n_turns), int(n_votes))
        n_votes = conn.execute(delete(feedback).where(votes_where)).rowcount
        n_turns = conn.execute(delete(turns).where(turns.c.created_at < before)).rowcount
    logger.info("analytics.purged turns=%d feedback=%d days=%d", n_turns, n_votes, days)
    return Deleted(int(n_turns), int(n_votes))


def sender_hash(secret_key: str, sender: str, channel: str = "web") -> str:
    """The keyed hash a sender's turns were recorded under (web: the widget's id; wechat: the OpenID)."""
    from ..conversation import Conversations
    from ..rasa_client import RasaClient

    if channel not in FORGET_CHANNELS:
        raise ValueError("渠道应为 " + " 或 ".join(FORGET_CHANNELS))
    if not sender.strip():
        raise ValueError("发送者标识不能为空")
    # only its hashing is used: no dialogue is reached
    hashing = Conversations(cast(RasaClient, None), secret_key, {})
    return hashing.user_hash(sender, channel)


def forget(engine: Engine, user_hash: str, channel: str) -> Deleted:
    """Deletes every turn and vote of one hashed sender on one channel."""
    with engine.begin() as conn:
        n_votes = conn.execute(delete(feedback).where(
            and_(feedback.c.channel == channel, feedback.c.user_hash == user_hash))).rowcount
        n_turns = conn.execute(delete(turns).where(
            and_(turns.c.channel == channel, turns.c.user_hash == user_hash))).rowcount
    logger.info("analytics.forgot turns=%d feedback=%d channel=%s", n_turns, n_votes, channel)   # never the sender
    return Deleted(int(n_turns), int(n_votes))
