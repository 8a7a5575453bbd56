"""Each turn is one event with what the dashboard needs: region, citations, answer category, latency."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from sqlalchemy import create_engine, select

from bot.conversation import Conversations
from bot.migrate import current, head
from bot.store import Store, turns


def payload(kind: str, routes=(), citations=(), intent="describe_problem", confidence=0.93, **extra) -> dict:
    return {"custom": {"xinfang": {"kind": kind, "intent": {"name": intent, "confidence": confidence},
                                   "routes": [{"id": r, "name": r, "why": "w"} for r in routes],
                                   "citations": [{"id": c, "law": "l", "article": "a", "text": "t"} for c in citations],
                                   "cards": [], "needs_clarification": kind == "clarify", **extra}}}


class SlowRasa:
    """Answers like the actions would, after ``delay`` seconds (what the latency must include)."""

    def __init__(self, reply: list[dict], delay: float = 0.0) -> None:
        self.reply, self.delay, self.inflight = reply, delay, 0

    async def send(self, sender, text, metadata=None, on_admit=None):
        await asyncio.sleep(self.delay)
        return self.reply

    async def parse(self, text):
        return {"intent": {"name": "ask_law", "confidence": 0.42}}


TRIAGE = [{"text": "可以申请劳动仲裁。"},
          payload("triage", ["labor_arbitration", "civil_litigation"],
                  ["laodong_zhengyi_tiaojie_zhongcai_fa#2", "laodong_zhengyi_tiaojie_zhongcai_fa#27"])]


@pytest.fixture
def store(tmp_path):
    return Store(f"sqlite:///{tmp_path / 'events.sqlite3'}")


def rows(store: Store) -> list[dict]:
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(turns).order_by(turns.c.id))]


async def test_a_web_turn_records_region_routes_citations_answer_and_latency(store):
    conv = Conversations(SlowRasa(TRIAGE, delay=0.06), "k", {}, store)
    await conv.turn("browser-1", "公司拖欠我三个月工资", {"region": "350206"})
    (row,) = rows(store)
    assert row["channel"] == "web" and row["region"] == "350206"
    assert row["kind"] == "triage" and row["answer"] == "answered" and row["answered"] == 1
    assert row["route"] == "labor_arbitration" and row["routes"] == ["labor_arbitration", "civil_litigation"]
    assert row["citations"] == ["laodong_zhengyi_tiaojie_zhongcai_fa#2", "laodong_zhengyi_tiaojie_zhongcai_fa#27"]
    assert row["intent"] == "describe_problem" and row["confidence"] == pytest.approx(0.93)
    assert 60 <= row["latency_ms"] < 2000
    assert row["user_hash"] == conv.user_hash("browser-1", "web")


@pytest.mark.parametrize("reply,answer,answered", [
    ([payload("clarify", ["labor_arbitration"])], "clarified", 1),
    ([{"text": "没找到"}, payload("unknown", citations=["xinfang_gongzuo_tiaoli_2022#35"])], "unknown", 0),
    ([payload("fallback", confidence=0.31)], "fallback", 0),
    ([{"text": "您好！"}], "answered", 1),
])
async def test_the_answer_category_comes_from_the_reply_kind(store, reply, answer, answered):
    await Conversations(SlowRasa(reply), "k", {}, store).turn("u", "问一下")
    (row,) = rows(store)
    assert (row["answer"], row["answered"]) == (answer, answered)


async def test_crisis_words_make_a_crisis_event_even_beside_another_answer(store):
    from knowledge.channels import load_channels

    conv = Conversations(SlowRasa(TRIAGE), "k", load_channels(), store)
    await conv.turn("u", "工资不给我就跳楼")
    (row,) = rows(store)
    assert row["answer"] == "crisis" and row["kind"] == "triage" and row["route"] == "labor_arbitration"


async def test_wechat_ask_and_the_desks_route_finder_keep_their_channels(store):
    conv = Conversations(SlowRasa(TRIAGE), "k", {}, store)
    await conv.turn("openid-9", "拖欠工资", {"channel": "wechat"}, namespace="wechat", ref="openid-9:42")
    await conv.ask("拖欠工资", "湖里区")
    await conv.ask("拖欠工资", None, channel="staff")
    got = [(r["channel"], r["region"], r["ref"] if r["channel"] == "wechat" else "") for r in rows(store)]
    assert got == [("wechat", None, "openid-9:42"), ("api", "湖里区", ""), ("staff", None, "")]


async def test_a_region_that_names_nothing_is_not_recorded(store):
    await Conversations(SlowRasa(TRIAGE), "k", {}, store).turn("u", "拖欠工资", {"region": " "})
    assert rows(store)[0]["region"] is None


def test_a_database_at_revision_0002_gets_the_new_columns_filled_for_its_old_rows(tmp_path):
    from alembic import command

    from bot.migrate import _config

    path = tmp_path / "old.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        command.upgrade(_config(conn), "0002")
    with sqlite3.connect(path) as db:
        db.executemany("INSERT INTO turns (created_at, channel, user_hash, ref, text, intent, confidence, kind, routes, "
                       "answered) VALUES ('2026-01-01 00:00:00', 'web', 'web-x', ?, '欠薪', NULL, NULL, ?, ?, ?)",
                       [("a", "triage", '["labor_arbitration", "civil_litigation"]', 1),
                        ("b", "unknown", "[]", 0), ("c", None, "[]", 1), ("d", "steer", '["xinfang"]', 1)])
    store = Store(f"sqlite:///{path}")
    assert current(store.engine) == head()
    got = [(r["ref"], r["answer"], r["route"], r["citations"]) for r in rows(store)]
    assert got == [("a", "answered", "labor_arbitration", []), ("b", "unknown", None, []),
                   ("c", "answered", None, []), ("d", "clarified", "xinfang", [])]
