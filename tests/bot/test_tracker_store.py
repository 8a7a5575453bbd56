"""Where Rasa keeps conversations (bot/tracker_store.py), how long, and who may read them (issue 19).

The purge is checked on a table shaped like Rasa's; the rest with the whole stack: conversations in
Redis with an expiry, in an SQL store that outlives a restart of Rasa, and Rasa's HTTP API behind
its token.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, create_engine, select

from bot.tracker_store import ONE_OFF_PREFIX, purge_idle

TTL = 3600
ASK_TTL = 600
NOW = 1_800_000_000.0
HOUR = 3600.0

# Rasa 3.6's SQLTrackerStore.SQLEvent, column for column
rasa_events = Table("events", MetaData(),
                    Column("id", Integer, primary_key=True),
                    Column("sender_id", String(255), nullable=False, index=True),
                    Column("type_name", String(255), nullable=False),
                    Column("timestamp", Float),
                    Column("intent_name", String(255)),
                    Column("action_name", String(255)),
                    Column("data", Text))

# sender -> ages of its events in seconds; which conversations outlive the purge
CONVERSATIONS = {
    "web-idle-two-days": [50 * HOUR, 49 * HOUR],
    "web-began-long-ago-spoke-just-now": [30 * HOUR, 60.0],
    "web-idle-half-an-hour": [0.5 * HOUR],
    "wechat-idle-two-hours": [2 * HOUR],
    f"{ONE_OFF_PREFIX}asked-a-quarter-hour-ago": [15 * 60.0],
    f"{ONE_OFF_PREFIX}asked-two-minutes-ago": [120.0],
}
KEPT = {"web-began-long-ago-spoke-just-now", "web-idle-half-an-hour", f"{ONE_OFF_PREFIX}asked-two-minutes-ago"}


def fill(engine) -> None:
    rasa_events.metadata.create_all(engine)
    with engine.begin() as conn:
        for sender, ages in CONVERSATIONS.items():
            for age in ages:
                conn.execute(rasa_events.insert().values(sender_id=sender, type_name="user", timestamp=NOW - age,
                                                         data="{}"))


def senders(engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(rasa_events.c.sender_id).distinct()).scalars())


def test_the_purge_deletes_idle_conversations_whole_and_one_off_questions_sooner(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'rasa.sqlite3'}")
    fill(engine)
    assert purge_idle(engine, TTL, ASK_TTL, now=NOW) == len(CONVERSATIONS) - len(KEPT)
    assert senders(engine) == KEPT
    with engine.connect() as conn:   # a conversation still going keeps its old events too
        kept = conn.execute(select(rasa_events.c.timestamp)
                            .where(rasa_events.c.sender_id == "web-began-long-ago-spoke-just-now")).all()
    assert len(kept) == 2
    assert purge_idle(engine, TTL, ASK_TTL, now=NOW) == 0


def test_the_purge_waits_for_rasa_to_create_its_table(tmp_path):
    assert purge_idle(create_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}"), TTL, ASK_TTL) == 0


async def test_ask_conversations_reach_rasa_under_the_one_off_prefix():
    """The purge's shorter life for /api/ask rests on the sender id Conversations.ask gives Rasa."""
    from bot.conversation import Conversations

    class Rasa:
        def __init__(self) -> None:
            self.inflight, self.senders = 0, []

        async def send(self, sender, text, metadata, on_admit=None):
            self.senders.append(sender)
            return [{"text": "好的"}]

        async def parse(self, text):
            return {"intent": {"name": "affirm", "confidence": 1.0}}

    rasa = Rasa()
    conversations = Conversations(rasa, "secret", {})   # type: ignore[arg-type]
    await conversations.ask("工资被拖欠怎么办", None)
    await conversations.turn("citizen-1", "工资被拖欠怎么办")
    asked, chatted = rasa.senders
    assert asked.startswith(ONE_OFF_PREFIX) and not chatted.startswith(ONE_OFF_PREFIX)


@pytest.mark.integration
def test_the_purge_works_on_postgresql(postgres_url):
    engine = create_engine(postgres_url)
    rasa_events.drop(engine, checkfirst=True)
    fill(engine)
    try:
        assert purge_idle(engine, TTL, ASK_TTL, now=NOW) == len(CONVERSATIONS) - len(KEPT)
        assert senders(engine) == KEPT
    finally:
        rasa_events.drop(engine)


def _skip_without_rasa() -> None:
    from bot.runner import RASA_BIN

    if not RASA_BIN.exists():
        pytest.skip("Rasa is not installed (make install installs it)")


@pytest.fixture(scope="module")
def redis_stack(redis_url, tmp_path_factory):
    from bot.harness import running_service
    from common.settings import get_settings

    _skip_without_rasa()
    db = tmp_path_factory.mktemp("db") / "test.sqlite3"
    settings = get_settings().model_copy(update={"REDIS_URL": redis_url, "RASA_TRACKER_TTL_SECONDS": TTL,
                                                 "DATABASE_URL": f"sqlite:///{db}", "RASA_TRACKER_URL": None})
    with running_service(settings) as svc:
        yield svc


@pytest.mark.integration
def test_conversations_live_in_redis_and_expire(redis_stack, redis_url):
    import redis

    r = redis.Redis.from_url(redis_url)
    before = set(r.scan_iter("xinfang:tracker:*"))
    sender = uuid.uuid4().hex
    with httpx.Client(base_url=redis_stack.api, timeout=60) as api:
        first = api.post("/api/chat", json={"sender": sender, "text": "我想问问信访的事"})
        second = api.post("/api/chat", json={"sender": sender, "text": "公司拖欠我三个月工资"})
        ask = api.post("/api/ask", json={"text": "对信访处理意见不服怎么办"})
    assert first.status_code == second.status_code == ask.status_code == 200
    new = set(r.scan_iter("xinfang:tracker:*")) - before
    assert len(new) == 2                           # the chat (both turns in one tracker) and the ask
    for key in new:
        assert 0 < r.ttl(key) <= TTL
        assert sender.encode() not in key          # the API hashes the sender before Rasa sees it
    from bot.privacy import hash_user_id

    chat = r.get(b"xinfang:tracker:" + hash_user_id(sender, redis_stack.settings.SECRET_KEY, "web").encode())
    said = [e["text"] for e in json.loads(chat)["events"] if e["event"] == "user"]
    assert said == ["我想问问信访的事", "公司拖欠我三个月工资"]   # one conversation, carried across turns


@pytest.fixture(scope="module")
def sql_stack(tmp_path_factory):
    """The stack without Redis, Rasa's conversations in an SQLite file of its own; yields (service, Stack, file)."""
    from bot.harness import running_service
    from common.settings import get_settings

    _skip_without_rasa()
    folder = tmp_path_factory.mktemp("sql-tracker")
    store = folder / "rasa-tracker.sqlite3"
    settings = get_settings().model_copy(update={"REDIS_URL": None, "RASA_TRACKER_URL": f"sqlite:///{store}",
                                                 "DATABASE_URL": f"sqlite:///{folder / 'test.sqlite3'}",
                                                 "RASA_TOKEN": None})
    stacks = []
    with running_service(settings, started=stacks.append) as svc:
        yield svc, stacks[0], store


def chat(api: httpx.Client, sender: str, text: str) -> tuple[list[str], list[dict]]:
    resp = api.post("/api/chat", json={"sender": sender, "text": text})
    assert resp.status_code == 200, resp.text
    msgs = resp.json()["messages"]
    return [m["text"] for m in msgs if "text" in m], [m["custom"] for m in msgs if "custom" in m]


def tracker(svc, conversation: str) -> dict:
    resp = httpx.get(f"{svc.rasa}/conversations/{conversation}/tracker", params={"token": svc.settings.RASA_TOKEN},
                     timeout=30)
    assert resp.status_code == 200, resp.text
    return resp.json()


@pytest.mark.integration
def test_rasas_http_api_answers_only_with_its_token_and_the_service_still_answers(sql_stack):
    svc, stack, _ = sql_stack
    token = svc.settings.RASA_TOKEN
    assert token and len(token) >= 32
    for path in ("/conversations/x/tracker", "/status"):
        assert httpx.get(f"{svc.rasa}{path}", timeout=30).status_code == 401
        assert httpx.get(f"{svc.rasa}{path}", params={"token": "guess"}, timeout=30).status_code == 401
    assert httpx.get(f"{svc.rasa}/conversations/x/tracker", params={"token": token}, timeout=30).status_code == 200
    # not on Rasa's command line, which every local user can read
    assert token not in Path(f"/proc/{stack.procs['rasa'].pid}/cmdline").read_bytes().decode("utf-8", "replace")
    with httpx.Client(base_url=svc.api, timeout=60) as api:
        ready = api.get("/readyz")
        assert ready.status_code == 200 and ready.json()["checks"]["rasa"] is True
        texts, _ = chat(api, uuid.uuid4().hex, "公司拖欠我三个月工资，老板一直不给")
        assert texts
        ask = api.post("/api/ask", json={"text": "对信访处理意见不服怎么办"})   # /model/parse takes the token
        assert ask.status_code == 200 and ask.json()["intent"]["name"]


@pytest.mark.integration
def test_a_conversation_keeps_its_matter_when_rasa_restarts(sql_stack):
    import sqlite3
    import time

    from bot.privacy import hash_user_id

    svc, stack, store = sql_stack
    sender = uuid.uuid4().hex
    conversation = hash_user_id(sender, svc.settings.SECRET_KEY, "web")
    with httpx.Client(base_url=svc.api, timeout=60) as api:
        chat(api, sender, "公司拖欠我三个月工资，老板一直不给")
        assert api.post("/api/ask", json={"text": "对信访处理意见不服怎么办"}).status_code == 200
        slots = tracker(svc, conversation)["slots"]
        assert slots["matter_route"] and slots["problem_text"]

        stack.restart_rasa(say=lambda _m: None)
        deadline = time.monotonic() + 60
        while api.get("/readyz").status_code != 200:   # the API's connections to the old Rasa are gone
            assert time.monotonic() < deadline, "the API did not find Rasa again"
            time.sleep(0.5)

        assert tracker(svc, conversation)["slots"] == slots
        texts, payloads = chat(api, sender, "那要交钱吗")   # a follow-up about the matter told before the restart
    assert payloads[-1]["kind"] == "answer"
    assert "laodong_zhengyi_tiaojie_zhongcai_fa#53" in [c["id"] for c in payloads[-1]["citations"]]
    assert "不收费" in texts[0]
    with sqlite3.connect(store) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        stored = {s for (s,) in db.execute("SELECT DISTINCT sender_id FROM events")}
    assert conversation in stored
    assert any(s.startswith(ONE_OFF_PREFIX) for s in stored)   # the ask, under the prefix the purge knows


@pytest.mark.integration
def test_without_redis_a_postgresql_database_url_keeps_rasas_conversations(postgres_url):
    from bot.harness import running_service
    from bot.privacy import hash_user_id
    from common.settings import get_settings

    _skip_without_rasa()
    settings = get_settings().model_copy(update={"REDIS_URL": None, "RASA_TRACKER_URL": None,
                                                 "DATABASE_URL": postgres_url, "RASA_TOKEN": None})
    sender = uuid.uuid4().hex
    with running_service(settings) as svc, httpx.Client(base_url=svc.api, timeout=60) as api:
        chat(api, sender, "我想问问信访的事")
        conversation = hash_user_id(sender, svc.settings.SECRET_KEY, "web")
    engine = create_engine(postgres_url)
    with engine.connect() as conn:
        said = conn.execute(select(rasa_events.c.data).where(rasa_events.c.sender_id == conversation,
                                                             rasa_events.c.type_name == "user")).scalars().all()
    engine.dispose()
    assert [json.loads(d)["text"] for d in said] == ["我想问问信访的事"]
