"""Retention (purge after ANALYTICS_RETENTION_DAYS) and erasure of one sender (xinfang analytics forget)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from bot.analytics.retention import forget, purge, sender_hash
from bot.cli import main
from bot.conversation import Conversations
from bot.store import Store, feedback, turns
from common.settings import get_settings
from tests.bot.analytics.test_capture import TRIAGE, SlowRasa

NOW = dt.datetime(2026, 9, 1, 12, 0, tzinfo=dt.UTC)


def refs(store: Store) -> list[str]:
    with store.engine.connect() as conn:
        return [r for (r,) in conn.execute(select(turns.c.ref).order_by(turns.c.id))]


def votes(store: Store) -> list[str]:
    with store.engine.connect() as conn:
        return [r for (r,) in conn.execute(select(feedback.c.answer_ref).order_by(feedback.c.id))]


def aged(store: Store, rows: list[tuple[str, int]], voted: list[tuple[str, int]]) -> None:
    """Turns ``(ref, days old)`` and votes on them ``(ref, days old)``."""
    with store.engine.begin() as conn:
        conn.execute(turns.insert(), [dict(created_at=NOW - dt.timedelta(days=d), channel="web", user_hash="web-a",
                                           ref=ref, text="欠薪", routes=[], answered=1) for ref, d in rows])
        if voted:
            conn.execute(feedback.insert(), [dict(created_at=NOW - dt.timedelta(days=d), channel="web",
                                                  user_hash=f"web-{ref}", answer_ref=ref, rating=1)
                                             for ref, d in voted])


def test_purge_deletes_old_turns_and_the_votes_on_them(empty_store):
    aged(empty_store, [("old", 200), ("edge", 181), ("kept", 179), ("new", 1)],
         [("old", 170), ("kept", 179), ("new", 0)])   # the vote on "old" is recent, its turn is not
    assert purge(empty_store.engine, 180, now=NOW, dry_run=True).as_dict() == {"turns": 2, "feedback": 1}
    assert refs(empty_store) == ["old", "edge", "kept", "new"]
    assert purge(empty_store.engine, 180, now=NOW).as_dict() == {"turns": 2, "feedback": 1}
    assert refs(empty_store) == ["kept", "new"] and votes(empty_store) == ["kept", "new"]
    assert purge(empty_store.engine, 180, now=NOW).as_dict() == {"turns": 0, "feedback": 0}


def test_purge_refuses_a_retention_under_one_day(empty_store):
    with pytest.raises(ValueError, match="至少为 1"):
        purge(empty_store.engine, 0)


async def test_forget_finds_a_person_by_the_hash_their_turns_were_recorded_under(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    conv = Conversations(SlowRasa(TRIAGE), "a-secret-key-of-the-deployment-0123456789", {}, store)
    mine = await conv.turn("browser-mine", "拖欠工资")
    await conv.turn("browser-mine", "还是拖欠工资")
    await conv.turn("browser-other", "拖欠工资")
    await conv.turn("browser-mine", "拖欠工资", {"channel": "wechat"}, namespace="wechat", ref="msg:1")   # same id, other channel
    store.record_feedback("web", conv.user_hash("browser-mine"), mine.ref, 1)
    hashed = sender_hash("a-secret-key-of-the-deployment-0123456789", "browser-mine", "web")
    assert hashed == conv.user_hash("browser-mine", "web")
    assert forget(store.engine, hashed, "web").as_dict() == {"turns": 2, "feedback": 1}
    with store.engine.connect() as conn:
        left = conn.execute(select(turns.c.channel, turns.c.user_hash)).all()
    assert sorted(c for c, _ in left) == ["web", "wechat"] and hashed not in {h for _, h in left}
    assert votes(store) == []


def test_forget_is_only_for_channels_where_a_sender_is_a_person():
    with pytest.raises(ValueError, match="web 或 wechat"):
        sender_hash("k", "ask-123", "api")
    with pytest.raises(ValueError, match="不能为空"):
        sender_hash("k", " ", "web")


async def test_the_commands_purge_and_forget(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    store = Store(url)
    conv = Conversations(SlowRasa(TRIAGE), get_settings().SECRET_KEY, {}, store)
    await conv.turn("openid-abc", "拖欠工资", namespace="wechat", ref="msg:7")
    await conv.turn("browser-1", "拖欠工资")
    aged(store, [("ancient", 400)], [])
    assert main(["analytics", "purge", "--database-url", url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"days": 180, "dry_run": False, "turns": 1, "feedback": 0}
    assert main(["analytics", "forget", "openid-abc", "--channel", "wechat", "--database-url", url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"channel": "wechat", "turns": 1, "feedback": 0}
    assert main(["analytics", "forget", "openid-abc", "--database-url", url]) == 0     # web: nobody by that id
    assert "没有找到记录" in capsys.readouterr().out
    assert refs(store) != [] and all(r != "msg:7" for r in refs(store))
