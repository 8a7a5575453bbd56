"""The public API's rate limits (issue 19): per client address and per sender, a long text counting more.

Apps built with ``create_app`` talk to a stand-in for Rasa that records every turn it is sent, so a
test sees that a refused request never reached it. Several TestClients on one app stand for several
client addresses (the address is the one the ASGI server reports).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from bot.app import create_app
from common.settings import Settings
from tests.bot.loopback import json_peer

ANSWER = json.dumps([{"text": "可以申请复查。"},
                     {"custom": {"xinfang": {"kind": "answer", "intent": {"name": "ask_law", "confidence": 0.9},
                                             "routes": [], "citations": []}}}]).encode()
WEBHOOK = "/webhooks/rest/webhook"
WAIT = re.compile(r"^请求过于频繁，请 (\d+) 秒后再试。$")


@pytest.fixture(scope="module")
def rasa() -> Iterator[tuple[str, list]]:
    """The stand-in for Rasa: yields its URL and what it was sent."""
    with json_peer(ANSWER) as peer:
        yield peer


def turns(rasa: tuple[str, list]) -> int:
    return sum(1 for path, _ in rasa[1] if path == WEBHOOK)


@pytest.fixture(scope="module")
def make_app(rasa, tmp_path_factory) -> Iterator:
    """An app with rate limits on, in front of the stand-in for Rasa: one per set of limits (and
    ``instance``), shared in this module, so tests use client addresses and senders of their own."""
    built: dict[tuple, TestClient] = {}

    def make(instance: int = 0, **limits) -> TestClient:
        key = (instance, *sorted(limits.items()))
        if key not in built:
            db = tmp_path_factory.mktemp("db") / "t.sqlite3"
            settings = Settings(**{"RATE_LIMIT_ENABLED": True, **limits}, RASA_URL=rasa[0], ACTIONS_PORT=9,
                                QUERY_PREFETCH=False, DATABASE_URL=f"sqlite:///{db}")
            built[key] = TestClient(create_app(settings), raise_server_exceptions=False).__enter__()
        return built[key]

    yield make
    for client in built.values():
        client.__exit__(None, None, None)


def address() -> str:
    """A client address no other test uses."""
    n = uuid.uuid4().int
    return f"10.{n % 250}.{n // 250 % 250}.{n // 62500 % 250}"


def at(client: TestClient, where: str | None = None) -> TestClient:
    """The same app, asked from another client address (one of its own by default)."""
    return TestClient(client.app, raise_server_exceptions=False, client=(where or address(), 50000))


def refused_wait(resp) -> int:
    """The wait a 429 names, checked to be the same in the message and in Retry-After."""
    assert resp.status_code == 429, resp.text
    match = WAIT.match(resp.json()["error"])
    assert match, resp.json()
    wait = int(resp.headers["retry-after"])
    assert int(match.group(1)) == wait and 0 < wait <= 61
    return wait


def test_past_the_client_limit_a_429_in_chinese_with_retry_after_and_another_client_still_passes(make_app, rasa):
    a = at(make_app(RATE_LIMIT_CLIENT="3/minute", RATE_LIMIT_SENDER="100/minute"))
    before = turns(rasa)
    assert [a.post("/api/ask", json={"text": "复查怎么申请"}).status_code for _ in range(3)] == [200] * 3
    refused_wait(a.post("/api/ask", json={"text": "复查怎么申请"}))
    refused_wait(a.post("/api/chat", json={"sender": uuid.uuid4().hex, "text": "复查怎么申请"}))   # any limited path
    assert turns(rasa) - before == 3   # the refused ones never reached Rasa
    assert at(a).post("/api/ask", json={"text": "复查怎么申请"}).status_code == 200
    assert turns(rasa) - before == 4


def test_the_sender_limit_applies_across_addresses(make_app, rasa):
    app, sender = make_app(RATE_LIMIT_CLIENT="100/minute", RATE_LIMIT_SENDER="2/minute"), uuid.uuid4().hex
    before = turns(rasa)
    for _ in range(2):
        assert at(app).post("/api/chat", json={"sender": sender, "text": "你好"}).status_code == 200
    elsewhere = at(app)
    refused_wait(elsewhere.post("/api/chat", json={"sender": sender, "text": "你好"}))
    assert elsewhere.post("/api/chat", json={"sender": uuid.uuid4().hex, "text": "你好"}).status_code == 200
    assert turns(rasa) - before == 3


def test_feedback_counts_against_its_sender_too(make_app):
    app, sender = at(make_app(RATE_LIMIT_CLIENT="100/minute", RATE_LIMIT_SENDER="2/minute")), uuid.uuid4().hex
    turn_id = app.post("/api/chat", json={"sender": sender, "text": "复查怎么申请"}).json()["turn_id"]
    assert app.post("/api/feedback", json={"sender": sender, "turn_id": turn_id, "rating": 1}).status_code == 204
    refused_wait(app.post("/api/feedback", json={"sender": sender, "turn_id": turn_id, "rating": -1}))


@pytest.mark.parametrize("chars,left", [(199, 9), (200, 9), (201, 8), (1000, 5), (2000, 0)])
def test_a_long_text_counts_as_one_request_per_200_characters(make_app, chars, left):
    app = at(make_app(RATE_LIMIT_CLIENT="10/minute", RATE_LIMIT_SENDER="100/minute"))
    assert app.post("/api/ask", json={"text": "欠" * chars}).status_code == 200
    statuses = [app.post("/api/ask", json={"text": "欠薪"}).status_code for _ in range(left + 1)]
    assert statuses == [200] * left + [429]


def test_a_text_costing_more_than_a_window_holds_uses_the_window_up_but_is_not_refused_forever(make_app):
    app = at(make_app(RATE_LIMIT_CLIENT="5/minute", RATE_LIMIT_SENDER="100/minute"))
    assert app.post("/api/ask", json={"text": "欠" * 2000}).status_code == 200
    refused_wait(app.post("/api/ask", json={"text": "欠薪"}))


def test_a_forwarded_for_header_from_the_client_itself_is_not_believed(make_app):
    # behind a proxy, uvicorn's --proxy-headers sets the address, and only for the proxies it trusts
    app = at(make_app(RATE_LIMIT_CLIENT="2/minute", RATE_LIMIT_SENDER="100/minute"))
    for i in range(2):
        app.post("/api/ask", json={"text": "欠薪"}, headers={"X-Forwarded-For": f"192.0.2.{i}"})
    refused_wait(app.post("/api/ask", json={"text": "欠薪"}, headers={"X-Forwarded-For": "192.0.2.99"}))


def test_wechat_and_other_paths_are_not_limited(make_app):
    app = at(make_app(RATE_LIMIT_CLIENT="1/minute", RATE_LIMIT_SENDER="100/minute"))
    app.post("/api/ask", json={"text": "欠薪"})
    refused_wait(app.post("/api/ask", json={"text": "欠薪"}))
    assert app.post("/wechat", content=b"<xml></xml>").status_code != 429   # WeChat signs and de-duplicates
    assert app.get("/healthz").status_code == 200


def test_bad_requests_are_counted_and_still_answered_by_the_route(make_app):
    app = at(make_app(RATE_LIMIT_CLIENT="2/minute", RATE_LIMIT_SENDER="100/minute"))
    assert app.post("/api/ask", content=b"[" * 5000, headers={"content-type": "application/json"}).status_code == 400
    assert app.post("/api/chat", json={"sender": "a"}).status_code == 422
    refused_wait(app.post("/api/ask", json={"text": "欠薪"}))


def test_off_there_is_no_limit(make_app):
    app = at(make_app(RATE_LIMIT_ENABLED=False, RATE_LIMIT_CLIENT="1/minute"))
    assert {app.post("/api/ask", json={"text": "欠薪"}).status_code for _ in range(5)} == {200}


def test_the_limits_fail_open_when_their_store_is_unreachable(make_app, caplog):
    # nothing listens on port 9: every citizen is let through and the failure is logged
    app = at(make_app(RATE_LIMIT_CLIENT="1/minute", REDIS_URL="redis://127.0.0.1:9/0"))
    assert {app.post("/api/ask", json={"text": "欠薪"}).status_code for _ in range(3)} == {200}
    assert "rate_limit.storage_error" in caplog.text


@pytest.mark.parametrize("field", ["RATE_LIMIT_CLIENT", "RATE_LIMIT_SENDER"])
def test_a_rate_that_is_no_rate_is_refused_at_start(field):
    with pytest.raises(ValidationError, match=f"{field} 应写成"):
        Settings(**{field: "often"})


@pytest.mark.integration
def test_two_instances_on_one_redis_share_the_counts(make_app, redis_url):
    limits = {"RATE_LIMIT_CLIENT": "3/minute", "RATE_LIMIT_SENDER": "100/minute", "REDIS_URL": redis_url}
    where = address()
    first, second = at(make_app(1, **limits), where), at(make_app(2, **limits), where)
    statuses = [c.post("/api/ask", json={"text": "欠薪"}).status_code for c in (first, second, first)]
    assert statuses == [200, 200, 200]
    refused_wait(second.post("/api/ask", json={"text": "欠薪"}))
    assert at(first).post("/api/ask", json={"text": "欠薪"}).status_code == 200
