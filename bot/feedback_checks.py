"""Whether a vote may be counted: only on an answer the service gave to the one who votes.

A turn id (``ref``) is returned by ``/api/chat`` to the sender it answered, and the turn's row
keeps that sender's keyed hash; a vote on an id nobody was given, or given to someone else, is
refused (issue 19: anyone could post votes on made-up ids). A query of its own rather than a
``Store`` method, reading the ``turns`` table the store exposes.
"""

from __future__ import annotations

from sqlalchemy import select

from .store import Store, turns


def was_given_to(store: Store, channel: str, user_hash: str, ref: str) -> bool:
    """True when the store recorded the turn ``ref`` on ``channel`` as an answer to ``user_hash``."""
    query = (select(turns.c.id)
             .where(turns.c.channel == channel, turns.c.ref == ref, turns.c.user_hash == user_hash)
             .limit(1))
    with store.engine.connect() as conn:
        return conn.execute(query).first() is not None
