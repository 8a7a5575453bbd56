"""The database schema is Alembic's (``bot/migrations``): brought to the newest revision at start.

A database made before migrations existed (the ``turns`` table without Alembic's version table)
is stamped at the first revision, which is exactly what it holds, and then upgraded. On
PostgreSQL an advisory lock keeps two replicas starting together from migrating at once.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

MIGRATIONS = Path(__file__).parent / "migrations"
FIRST = "0001"
_PG_LOCK = 4_242_001   # the advisory lock key of our migrations


def _config(connection: Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return str(ScriptDirectory.from_config(cfg).get_current_head())


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> str:
    """Brings the schema to the newest revision; returns it."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK})
        cfg = _config(conn)
        tables = set(inspect(conn).get_table_names())
        if "turns" in tables and "alembic_version" not in tables:
            command.stamp(cfg, FIRST)
        command.upgrade(cfg, "head")
        return str(MigrationContext.configure(conn).get_current_revision())
