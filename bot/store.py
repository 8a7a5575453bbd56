"""What the service keeps: one row per answered turn and one per feedback click.

The tables below mirror the migrations in ``bot/migrations``, which own the schema.

SQLite in ``VAR_DIR`` by default; any SQLAlchemy URL (PostgreSQL for several hosts)
through ``DATABASE_URL``. Nothing personal is stored: texts are masked before they
get here and users are keyed hashes (see ``bot.privacy``). A turn may carry a
``ref`` (a channel's own message id, e.g. WeChat's MsgId); the unique constraint on
(channel, ref) means a retried message can never be counted twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    func,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from .analytics.answers import answer_of

metadata = MetaData()

turns = Table(
    "turns", metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("user_hash", String(64), nullable=False),
    Column("ref", String(128)),
    Column("text", Text, nullable=False),           # masked
    Column("intent", String(64)),
    Column("confidence", Float),
    Column("kind", String(32)),                      # the action's answer kind (answer, triage, fallback, ...)
    Column("routes", JSON, nullable=False),
    Column("answered", Integer, nullable=False),     # 0 when the bot could not answer (fallback, unknown)
    Column("region", String(32)),                    # the region the client named (code or name), if any
    Column("route", String(64)),                     # the first route offered
    Column("citations", JSON),                       # the article ids shown, in order
    Column("answer", String(16)),                    # bot.analytics.answers.Answer
    Column("latency_ms", Integer),                   # the dialogue's answer, queueing included
    UniqueConstraint("channel", "ref", name="uq_turn_channel_ref"),
    Index("ix_turns_created_at", "created_at"),
    Index("ix_turns_channel", "channel"),
    Index("ix_turns_region", "region"),
    Index("ix_turns_user_hash", "user_hash"),
)

feedback = Table(
    "feedback", metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("user_hash", String(64), nullable=False),
    Column("answer_ref", String(128), nullable=False),
    Column("rating", Integer, nullable=False),       # +1 / -1
    Column("comment", Text),                         # masked
    UniqueConstraint("channel", "user_hash", "answer_ref", name="uq_feedback_once"),
    Index("ix_feedback_created_at", "created_at"),
    Index("ix_feedback_user_hash", "user_hash"),
)


@dataclass(frozen=True)
class TurnRecord:
    channel: str
    user_hash: str
    text: str
    intent: str | None = None
    confidence: float | None = None
    kind: str | None = None
    routes: tuple[str, ...] = ()
    answered: bool = True
    ref: str | None = None
    region: str | None = None
    citations: tuple[str, ...] = ()    # article ids
    answer: str | None = None          # bot.analytics.answers.Answer; None: from ``kind``
    latency_ms: int | None = None


class Store:
    def __init__(self, url: str) -> None:
        self.url = url
        kwargs: dict[str, Any] = {}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False}
        self.engine: Engine = create_engine(url, future=True, pool_pre_ping=True, **kwargs)
        if url.startswith("sqlite"):
            from sqlalchemy import event

            @event.listens_for(self.engine, "connect")
            def _wal(dbapi_conn, _record):  # concurrent readers while the service writes
                dbapi_conn.execute("PRAGMA journal_mode=WAL")
                # WAL + NORMAL: never corrupt, and no fsync per answer (a power cut may lose the last rows)
                dbapi_conn.execute("PRAGMA synchronous=NORMAL")
                dbapi_conn.execute("PRAGMA busy_timeout=5000")
        from .migrate import upgrade

        upgrade(self.engine)   # the schema is the migrations' (bot/migrations), not create_all's

    @classmethod
    def from_settings(cls, settings) -> Store:
        if not settings.DATABASE_URL:
            settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        return cls(settings.database_url)

    def record_turn(self, rec: TurnRecord) -> bool:
        """False when (channel, ref) was already recorded: the caller's message was a retry."""
        row = dict(created_at=dt.datetime.now(dt.UTC), channel=rec.channel, user_hash=rec.user_hash,
                   ref=rec.ref, text=rec.text, intent=rec.intent, confidence=rec.confidence, kind=rec.kind,
                   routes=list(rec.routes), answered=int(rec.answered), region=rec.region,
                   route=rec.routes[0] if rec.routes else None, citations=list(rec.citations),
                   answer=rec.answer or answer_of(rec.kind).value, latency_ms=rec.latency_ms)
        try:
            with self.engine.begin() as conn:
                conn.execute(turns.insert().values(**row))
        except IntegrityError:
            return False
        return True

    def record_feedback(self, channel: str, user_hash: str, answer_ref: str, rating: int,
                        comment: str | None = None) -> None:
        """One vote per user and answer; voting again replaces the earlier vote."""
        if rating not in (1, -1):
            raise ValueError("rating must be 1 or -1")
        now = dt.datetime.now(dt.UTC)
        with self.engine.begin() as conn:
            conn.execute(feedback.delete().where(feedback.c.channel == channel, feedback.c.user_hash == user_hash,
                                                 feedback.c.answer_ref == answer_ref))
            conn.execute(feedback.insert().values(created_at=now, channel=channel, user_hash=user_hash,
                                                  answer_ref=answer_ref, rating=rating, comment=comment))

    # -- reading (staff pages, tests) -------------------------------------------------

    def count_turns(self, channel: str | None = None) -> int:
        q = select(func.count()).select_from(turns)
        if channel:
            q = q.where(turns.c.channel == channel)
        with self.engine.connect() as conn:
            return int(conn.execute(q).scalar_one())

    def recent_turns(self, limit: int = 50, channel: str | None = None) -> list[dict[str, Any]]:
        q = select(turns).order_by(turns.c.id.desc()).limit(limit)
        if channel:
            q = q.where(turns.c.channel == channel)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def feedback_rows(self, answer_ref: str | None = None) -> list[dict[str, Any]]:
        q = select(feedback).order_by(feedback.c.id)
        if answer_ref:
            q = q.where(feedback.c.answer_ref == answer_ref)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def close(self) -> None:
        self.engine.dispose()

