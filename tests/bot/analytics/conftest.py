"""A store with the hand-counted fixture events, on SQLite and (integration) on PostgreSQL."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import create_engine, text

from bot.store import Store

_databases = itertools.count(1)


def fresh_postgres(server_url: str, name: str) -> str:
    """A database of its own on the test run's PostgreSQL server."""
    name = f"{name}_{next(_databases)}"
    with create_engine(server_url, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    return server_url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def empty_store(request, tmp_path):
    if request.param == "sqlite":
        store = Store(f"sqlite:///{tmp_path / 'analytics.sqlite3'}")
    else:
        store = Store(fresh_postgres(request.getfixturevalue("postgres_url"), "analytics"))
    yield store
    store.close()


@pytest.fixture
def events_store(empty_store):
    from tests.bot.analytics.fixture_events import load

    load(empty_store)
    return empty_store
