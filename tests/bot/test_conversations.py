"""Conversations as citizens have them (tests/data/conversations.yaml), through the whole product.

Each conversation runs in its own sender's session on /api/chat against the live stack (actions,
Rasa, the API); every turn's reply is checked for what the person is told: the route, the kind of
answer, the articles, the deadline and what it was counted from.
"""

from __future__ import annotations

import uuid

import httpx
import pytest
import yaml

from tests.paths import DATA

pytestmark = pytest.mark.integration

CONVERSATIONS = yaml.safe_load((DATA / "conversations.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def api(live_service):
    with httpx.Client(base_url=live_service["api"], timeout=60) as client:
        yield client


def reply(api, sender: str, text: str) -> tuple[list[str], dict]:
    resp = api.post("/api/chat", json={"sender": sender, "text": text})
    assert resp.status_code == 200, resp.text
    msgs = resp.json()["messages"]
    payloads = [m["custom"] for m in msgs if "custom" in m]
    return [m["text"] for m in msgs if "text" in m], payloads[-1] if payloads else {}


def check(turn: dict, texts: list[str], payload: dict) -> None:
    said = "\n".join(texts) + "\n".join(d.get("text", "") for d in payload.get("details") or [])
    routes = [r["id"] for r in payload.get("routes") or []]
    cited = {c["id"] for c in payload.get("citations") or []}
    where = f"{turn['text']} → kind {payload.get('kind')}, routes {routes[:3]}"
    if "kind" in turn:
        assert payload.get("kind") == turn["kind"], where
    if "first_route" in turn:
        assert routes and routes[0] in turn["first_route"], where
    if "not_first_route" in turn:
        assert not routes or routes[0] not in turn["not_first_route"], where
    for aid in turn.get("cited", []):
        assert aid in cited, f"{where}: {aid} not cited ({sorted(cited)})"
    if turn.get("quoted"):
        assert payload.get("quoted"), f"{where}: no article quoted"
    for words in turn.get("says", []):
        assert words in said, f"{where}: {words!r} not said"
    for words in turn.get("not_says", []):
        assert words not in said, f"{where}: {words!r} said"
    if "plan_chars_max" in turn:
        assert len(texts[0]) <= turn["plan_chars_max"], f"{where}: first message {len(texts[0])} characters"
    if turn.get("no_cards"):
        assert not payload.get("cards"), f"{where}: a card shown again"
    expected = turn.get("deadline")
    if expected:
        got = payload.get("deadline") or {}
        assert got, f"{where}: no deadline computed"
        for key in ("kind", "last_day", "interruptible", "date_told_before"):
            if key in expected:
                assert got.get(key) == expected[key], f"{where}: deadline {key} {got.get(key)}"
        if "start_day" in expected:
            assert got["start"].endswith("-" + expected["start_day"]), f"{where}: counted from {got['start']}"


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=[c["name"] for c in CONVERSATIONS])
def test_conversation(api, conversation):
    sender = f"conv-{uuid.uuid4().hex[:10]}"
    for turn in conversation["turns"]:
        texts, payload = reply(api, sender, turn["text"])
        check(turn, texts, payload)
