"""The API's query prefetch: sent with the masked text, never in the answer's way."""

from __future__ import annotations

import socket

import pytest

from bot.conversation import Conversations
from bot.prefetch import QueryPrefetcher
from tests.bot.loopback import json_peer
from tests.bot.test_conversation import ANSWER, RecordingRasa


@pytest.fixture()
def actions():
    with json_peer(b'{"prefetched": true}') as (url, seen):
        yield url, seen


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_the_turn_prefetches_the_masked_text_when_rasa_takes_it(actions):
    url, got = actions
    prefetch = QueryPrefetcher(url)
    order: list[str] = []

    class Rasa(RecordingRasa):
        async def send(self, sender, text, metadata=None, on_admit=None):
            order.append("admitted")
            return await super().send(sender, text, metadata, on_admit)

    def spy(text: str) -> None:
        order.append("prefetch")
        prefetch(text)

    conv = Conversations(Rasa(ANSWER), "k", {}, prefetch=spy)
    turn = await conv.turn("u", "公司欠薪，我手机13912345678")
    await prefetch.close()
    assert order == ["admitted", "prefetch"] and turn.texts[0] == "可以申请复查。"
    # the text the dialogue reads, so the action finds the vector: never the number, masked or not
    assert got == [("/prefetch", {"text": "公司欠薪，"})]


async def test_an_unreachable_action_server_costs_nothing():
    prefetch = QueryPrefetcher(f"http://127.0.0.1:{closed_port()}", timeout=1.0)
    conv = Conversations(RecordingRasa(ANSWER), "k", {}, prefetch=prefetch)
    turn = await conv.turn("u", "复查怎么申请")
    await prefetch.close()   # the failed prefetch ended quietly
    assert turn.texts == ["可以申请复查。"]


async def test_without_prefetch_the_turn_is_unchanged():
    rasa = RecordingRasa(ANSWER)
    turn = await Conversations(rasa, "k", {}).turn("u", "复查怎么申请")
    assert turn.texts == ["可以申请复查。"] and rasa.sent[0][1] == "复查怎么申请"


async def test_no_prefetch_while_rasa_is_busy():
    sent: list[str] = []
    rasa = RecordingRasa(ANSWER)
    conv = Conversations(rasa, "k", {}, prefetch=sent.append, prefetch_max_inflight=2)
    rasa.inflight = 2                 # this turn and one more: room to spare
    await conv.turn("u", "公司欠薪怎么办")
    rasa.inflight = 3                 # saturated: the actions of the others come first
    await conv.turn("u", "单位不交社保")
    assert sent == ["公司欠薪怎么办"]
