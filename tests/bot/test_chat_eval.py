"""``xinfang bench chat``'s measurement, against a loopback server with known service times."""

from __future__ import annotations

import pytest

from bot.chat_eval import bench_chat
from tests.bot.loopback import json_peer

DELAYS = {"/api/ask": 0.06, "/api/chat": 0.06, "/webhooks/rest/webhook": 0.02}


@pytest.fixture()
def server():
    with json_peer(b'{"messages": []}', DELAYS) as peer:
        yield peer


def test_targets_are_interleaved_in_rotating_rounds(server):
    url, seen = server
    result = bench_chat(url, url, ["公司欠我工资", "对处理意见不服"], [1], per_level=12, rounds=3)
    measured = [path for path, _ in seen[24:]]  # after the warm-up (8 per target)
    blocks = [measured[i:i + 4] for i in range(0, len(measured), 4)]
    assert [b[0] for b in blocks] == ["/api/ask", "/api/chat", "/webhooks/rest/webhook",
                                      "/api/chat", "/webhooks/rest/webhook", "/api/ask",
                                      "/webhooks/rest/webhook", "/api/ask", "/api/chat"]
    assert all(len(set(b)) == 1 for b in blocks)
    assert {r["target"]: r["n"] for r in result["rows"]} == {"ask": 12, "chat": 12, "bare_rasa": 12}
    assert result["rounds"] == 3


def test_ratio_reflects_service_times_and_requests_are_well_formed(server):
    url, seen = server
    result = bench_chat(url, url, ["公司欠我工资"], [1, 2], per_level=10, rounds=2)
    # ask and chat take three times as long as the bare round trip: about a third of its throughput
    # (HTTP overhead on a loaded machine pushes it up a little, never to where the order flips)
    assert 0.2 < result["ratios"]["ask"] < 0.6 and 0.2 < result["ratios"]["chat"] < 0.6
    rows = {(r["target"], r["clients"]): r for r in result["rows"]}
    assert rows[("ask", 2)]["throughput"] > rows[("ask", 1)]["throughput"]
    assert rows[("bare_rasa", 1)]["p50_ms"] >= 20 and rows[("ask", 1)]["p50_ms"] >= 60
    chats = [b for p, b in seen if p == "/api/chat"]
    assert len({b["sender"] for b in chats}) == len(chats)  # a fresh conversation per request
    assert all(b == {"text": "公司欠我工资"} for p, b in seen if p == "/api/ask")
