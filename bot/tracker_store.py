"""Where Rasa keeps conversations, and for how long (issue 19).

Rasa's default, its InMemoryTrackerStore, keeps every conversation (each ``/api/ask`` too) until
Rasa restarts, and a restart loses every conversation mid-way. So the runner always names a store
in Rasa's endpoints (``bot/runner.write_endpoints``):

- Rasa's stock ``SQLTrackerStore`` on ``RASA_TRACKER_URL`` when it is set;
- else Redis with ``REDIS_URL`` (several hosts behind a balancer): Redis expires each conversation
  ``RASA_TRACKER_TTL_SECONDS`` after its last turn;
- else the SQL store on ``DATABASE_URL`` when it is PostgreSQL (Rasa adds one table, ``events``,
  beside ours), else on SQLite in ``VAR_DIR``.

SQL has no expiry: `TrackerPurge` deletes idle conversations from the runner's process.

SQLite is fine for one Rasa process (it runs its store calls one at a time); the file is switched
to WAL so the purge and a second stack on the same machine read while Rasa writes.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    delete,
    func,
    inspect,
    select,
)
from sqlalchemy.engine import Engine, make_url

from common.settings import Settings

logger = logging.getLogger(__name__)

SQLITE_NAME = "rasa-tracker.sqlite3"
# Rasa reads the store's URL from its environment (endpoints.yml says ``${...}``): a password stays out of the file.
URL_ENV = "XINFANG_RASA_TRACKER_URL"
# Conversations.ask hashes each /api/ask's fresh sender under the namespace "api" (bot/privacy.hash_user_id):
# one-off conversations, never continued, so they go after RASA_ASK_TTL_SECONDS.
ONE_OFF_PREFIX = "api-"
PURGE_EVERY_SECONDS = 300.0
BATCH = 200   # conversations per delete: each delete holds SQLite's write lock for a moment only

# The columns of Rasa 3.6's SQLTrackerStore.SQLEvent that the purge reads (Rasa creates the table).
events = Table("events", MetaData(),
               Column("id", Integer, primary_key=True),
               Column("sender_id", String(255), nullable=False),
               Column("timestamp", Float))


def _with_driver(url: str, postgres_driver: str) -> str:
    u = make_url(url)
    if u.get_backend_name() in ("postgres", "postgresql"):
        u = u.set(drivername=postgres_driver)
    return u.render_as_string(hide_password=False)


def tracker_db_url(settings: Settings) -> str | None:
    """The SQLAlchemy URL of Rasa's conversations for this environment's drivers; None when they are in Redis."""
    if settings.RASA_TRACKER_URL:
        url = settings.RASA_TRACKER_URL
    elif settings.REDIS_URL:
        return None
    elif settings.DATABASE_URL and make_url(settings.DATABASE_URL).get_backend_name() in ("postgres", "postgresql"):
        url = settings.DATABASE_URL
    else:
        return f"sqlite:///{settings.VAR_DIR / SQLITE_NAME}"
    return _with_driver(url, "postgresql+psycopg")


def rasa_env(settings: Settings) -> dict[str, str]:
    """What Rasa's environment needs for the SQL store: its URL with the driver of Rasa's venv (psycopg2)."""
    url = tracker_db_url(settings)
    return {} if url is None else {URL_ENV: _with_driver(url, "postgresql")}


def prepare(url: str) -> None:
    """Creates an SQLite file's folder and switches the file to WAL (the mode is kept in the file)."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return
    path = Path(u.database)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=5)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()


def purge_idle(engine: Engine, ttl: float, ask_ttl: float, now: float | None = None) -> int:
    """Deletes every conversation whose last event is older than its time to live; returns how many it found.

    One-off ``/api/ask`` conversations live ``ask_ttl`` seconds, the others ``ttl``. A turn stored
    between finding a conversation idle and deleting it keeps the conversation.
    """
    if not inspect(engine).has_table("events"):
        return 0   # Rasa has not created its table yet
    now = time.time() if now is None else now
    cutoff = {True: now - ask_ttl, False: now - ttl}
    last = func.max(events.c.timestamp)
    with engine.connect() as conn:
        rows = conn.execute(select(events.c.sender_id, last).group_by(events.c.sender_id)
                            .having(last < max(cutoff.values()))).all()
    idle: dict[bool, list[str]] = {True: [], False: []}
    for sender, at in rows:
        one_off = sender.startswith(ONE_OFF_PREFIX)
        if at < cutoff[one_off]:
            idle[one_off].append(sender)
    for one_off, senders in idle.items():
        for i in range(0, len(senders), BATCH):
            chunk = senders[i:i + BATCH]
            fresh = select(events.c.sender_id).where(events.c.sender_id.in_(chunk),
                                                     events.c.timestamp >= cutoff[one_off])
            with engine.begin() as conn:
                conn.execute(delete(events).where(events.c.sender_id.in_(chunk), events.c.sender_id.not_in(fresh)))
    return len(idle[True]) + len(idle[False])


def engine_for(url: str) -> Engine:
    kwargs: dict[str, Any] = {}
    if make_url(url).get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"timeout": 5}   # wait for Rasa's write to finish, never fail on it
    return create_engine(url, pool_pre_ping=True, **kwargs)


class TrackerPurge:
    """Purges idle conversations from Rasa's SQL store at start and every ``every`` seconds, in a thread.

    It runs in the process that started Rasa (`bot.runner.Stack`), so every way of starting the
    product bounds the store without a scheduler to set up; each of several hosts sharing one
    PostgreSQL purges too, and a delete already done deletes nothing.
    """

    def __init__(self, url: str, ttl: float, ask_ttl: float, every: float = PURGE_EVERY_SECONDS) -> None:
        self.url, self.ttl, self.ask_ttl, self.every = url, ttl, ask_ttl, every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> TrackerPurge | None:
        """None when conversations are in Redis (it expires them itself)."""
        url = tracker_db_url(settings)
        return None if url is None else cls(url, settings.RASA_TRACKER_TTL_SECONDS, settings.RASA_ASK_TTL_SECONDS)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="tracker-purge", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        engine = None
        while True:
            try:
                engine = engine or engine_for(self.url)
                found = purge_idle(engine, self.ttl, self.ask_ttl)
                if found:
                    logger.info("rasa.tracker.purged", extra={"conversations": found})
            except Exception:   # the database may be away for a while: try again next time
                logger.exception("rasa.tracker.purge_failed")
            if self._stop.wait(self.every):
                break
        if engine is not None:
            engine.dispose()   # in this thread: SQLite connections belong to the thread that made them
