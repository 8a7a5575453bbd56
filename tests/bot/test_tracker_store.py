"""With REDIS_URL, Rasa keeps conversations in a real Redis, each with an expiry (the whole stack)."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

pytestmark = pytest.mark.integration

TTL = 3600


@pytest.fixture(scope="module")
def stack(redis_url, tmp_path_factory):
    from bot.harness import running_service
    from bot.runner import RASA_BIN
    from common.settings import get_settings

    if not RASA_BIN.exists():
        pytest.skip("Rasa is not installed (make install installs it)")
    db = tmp_path_factory.mktemp("db") / "test.sqlite3"
    settings = get_settings().model_copy(update={"REDIS_URL": redis_url, "RASA_TRACKER_TTL_SECONDS": TTL,
                                                 "DATABASE_URL": f"sqlite:///{db}"})
    with running_service(settings) as svc:
        yield svc


def test_conversations_live_in_redis_and_expire(stack, redis_url):
    import redis

    r = redis.Redis.from_url(redis_url)
    before = set(r.scan_iter("xinfang:tracker:*"))
    sender = uuid.uuid4().hex
    with httpx.Client(base_url=stack.api, timeout=60) as api:
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

    chat = r.get(b"xinfang:tracker:" + hash_user_id(sender, stack.settings.SECRET_KEY, "web").encode())
    said = [e["text"] for e in json.loads(chat)["events"] if e["event"] == "user"]
    assert said == ["我想问问信访的事", "公司拖欠我三个月工资"]   # one conversation, carried across turns
