"""The schema comes from the migrations, on a new database and on one made before they existed."""

from __future__ import annotations

import sqlite3

from sqlalchemy import create_engine, inspect

from bot.migrate import current, head, upgrade
from bot.store import Store, TurnRecord


def test_a_new_database_gets_every_table_at_the_newest_revision(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'new.sqlite3'}")
    tables = set(inspect(store.engine).get_table_names())
    assert {"turns", "feedback", "staff_accounts", "staff_sessions", "audit", "alembic_version"} <= tables
    assert current(store.engine) == head() == "0003"


def test_a_database_from_before_migrations_keeps_its_rows_and_is_brought_up_to_date(tmp_path):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:     # the schema create_all made before migrations existed
        conn.execute("CREATE TABLE turns (id INTEGER PRIMARY KEY, created_at DATETIME NOT NULL, channel VARCHAR(16) "
                     "NOT NULL, user_hash VARCHAR(64) NOT NULL, ref VARCHAR(128), text TEXT NOT NULL, intent "
                     "VARCHAR(64), confidence FLOAT, kind VARCHAR(32), routes JSON NOT NULL, answered INTEGER NOT "
                     "NULL, CONSTRAINT uq_turn_channel_ref UNIQUE (channel, ref))")
        conn.execute("CREATE TABLE feedback (id INTEGER PRIMARY KEY, created_at DATETIME NOT NULL, channel "
                     "VARCHAR(16) NOT NULL, user_hash VARCHAR(64) NOT NULL, answer_ref VARCHAR(128) NOT NULL, "
                     "rating INTEGER NOT NULL, comment TEXT, CONSTRAINT uq_feedback_once UNIQUE "
                     "(channel, user_hash, answer_ref))")
        conn.execute("INSERT INTO turns VALUES (1, '2026-01-01 00:00:00', 'web', 'web-x', NULL, '欠薪', NULL, NULL, "
                     "'triage', '[]', 1)")
    store = Store(f"sqlite:///{path}")
    assert current(store.engine) == head() and store.count_turns() == 1
    assert "staff_accounts" in inspect(store.engine).get_table_names()


def test_upgrading_twice_changes_nothing(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'twice.sqlite3'}")
    assert upgrade(engine) == upgrade(engine) == head()
    store = Store(str(engine.url))
    assert store.record_turn(TurnRecord(channel="web", user_hash="web-a", text="你好", ref="r1"))
