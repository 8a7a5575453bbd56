"""The same schema and the same staff accounts on a real PostgreSQL server (``DATABASE_URL``)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect

from bot.migrate import current, head, upgrade
from bot.staff.accounts import Accounts
from bot.staff.audit import Audit
from bot.staff.sessions import Sessions
from bot.store import Store, TurnRecord

pytestmark = pytest.mark.integration


def test_migrations_build_every_table_on_postgresql_and_twice_changes_nothing(postgres_url):
    store = Store(postgres_url)
    assert current(store.engine) == head()
    assert upgrade(create_engine(postgres_url)) == head()
    assert {"turns", "feedback", "staff_accounts", "staff_sessions", "audit"} <= set(
        inspect(store.engine).get_table_names())


def test_accounts_sessions_and_audit_work_on_postgresql(postgres_url):
    store = Store(postgres_url)
    accounts = Accounts(store.engine)
    made = accounts.add("pg-officer", "admin", "counter-desk-2026")
    found = accounts.authenticate("pg-officer", "counter-desk-2026")
    assert found is not None and (found.id, found.role) == (made.id, "admin")
    assert accounts.authenticate("pg-officer", "wrong-password-1") is None
    sessions = Sessions(store.engine, "test-secret", 30)
    cookie, session = sessions.start(made.id)
    assert sessions.lookup(cookie) == session
    sessions.end(session.id)
    assert sessions.lookup(cookie) is None
    Audit(store.engine).record("login", "pg-officer", None, route="x")
    assert Audit(store.engine).recent(1)[0]["detail"] == {"route": "x"}
    assert store.record_turn(TurnRecord(channel="web", user_hash="web-a", text="欠薪", ref="pg-1"))
    assert not store.record_turn(TurnRecord(channel="web", user_hash="web-a", text="欠薪", ref="pg-1"))
