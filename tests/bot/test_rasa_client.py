"""The client's gate in front of Rasa: bounded in-flight turns, served in arrival order."""

import asyncio

import httpx
import pytest

from bot.rasa_client import RasaClient, RasaUnavailable


class SlowRasa:
    """A stand-in REST webhook that answers after a pause and records how many requests overlap."""

    def __init__(self, pause: float) -> None:
        self.pause, self.inflight, self.peak, self.order = pause, 0, 0, []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.inflight += 1
        self.peak = max(self.peak, self.inflight)
        self.order.append(request.read().decode())
        await asyncio.sleep(self.pause)
        self.inflight -= 1
        return httpx.Response(200, json=[{"text": "ok"}])


async def test_at_most_max_inflight_requests_reach_rasa_and_the_rest_wait_in_order():
    rasa = SlowRasa(0.02)
    client = RasaClient("http://rasa", max_inflight=2, transport=httpx.MockTransport(rasa))
    senders = [f"s{i:02d}" for i in range(10)]
    tasks = []
    for s in senders:                      # started one after another: arrival order is the list order
        tasks.append(asyncio.create_task(client.send(s, "hi")))
        await asyncio.sleep(0)
    replies = await asyncio.gather(*tasks)
    await client.close()
    assert all(r == [{"text": "ok"}] for r in replies)
    assert rasa.peak == 2
    assert [next(s for s in senders if s in body) for body in rasa.order] == senders


async def test_without_a_limit_every_request_goes_through_at_once():
    rasa = SlowRasa(0.02)
    client = RasaClient("http://rasa", max_inflight=0, transport=httpx.MockTransport(rasa))
    await asyncio.gather(*(client.send(f"s{i}", "hi") for i in range(6)))
    await client.close()
    assert rasa.peak == 6


async def test_a_turn_that_waits_longer_than_the_timeout_gets_rasa_unavailable_not_a_hang():
    rasa = SlowRasa(0.5)
    client = RasaClient("http://rasa", timeout=0.1, max_inflight=1, transport=httpx.MockTransport(rasa))
    first = asyncio.create_task(client.send("a", "hi"))
    await asyncio.sleep(0.01)
    with pytest.raises(RasaUnavailable):
        await client.send("b", "hi")
    assert await first == [{"text": "ok"}]   # the turn holding the slot is not disturbed
    await client.close()


async def test_on_admit_runs_when_the_turn_is_let_through_not_while_it_waits():
    rasa = SlowRasa(0.05)
    client = RasaClient("http://rasa", max_inflight=1, transport=httpx.MockTransport(rasa))
    admitted: list[tuple[str, int]] = []
    first = asyncio.create_task(client.send("a", "hi", on_admit=lambda: admitted.append(("a", rasa.inflight))))
    await asyncio.sleep(0.01)
    second = asyncio.create_task(client.send("b", "hi", on_admit=lambda: admitted.append(("b", rasa.inflight))))
    await asyncio.sleep(0.02)
    assert admitted == [("a", 0)] and client.inflight == 1   # b is still waiting for a's slot
    await asyncio.gather(first, second)
    assert admitted == [("a", 0), ("b", 0)] and client.inflight == 0  # b was admitted once a had left Rasa
    ungated = RasaClient("http://rasa", max_inflight=0, transport=httpx.MockTransport(rasa))
    await ungated.send("c", "hi", on_admit=lambda: admitted.append(("c", rasa.inflight)))
    assert admitted[-1] == ("c", 0)
    await client.close()
    await ungated.close()


async def test_the_token_goes_to_rasas_http_api_and_not_to_the_webhook():
    seen: list[httpx.URL] = []

    def rasa(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        if request.url.path == "/status":
            return httpx.Response(200, json={"model_id": "m"})
        return httpx.Response(200, json={"intent": {"name": "greet"}} if request.url.path == "/model/parse" else [])

    from common.settings import Settings

    client = RasaClient.from_settings(Settings(RASA_URL="http://rasa:5005", RASA_TOKEN="t0ken/+&"),
                                      transport=httpx.MockTransport(rasa))
    assert await client.ready()
    await client.parse("你好")
    await client.send("web-1", "你好")
    await client.close()
    tokens = {url.path: url.params.get("token") for url in seen}
    assert tokens == {"/status": "t0ken/+&", "/model/parse": "t0ken/+&", "/webhooks/rest/webhook": None}
    untokened = RasaClient("http://rasa", transport=httpx.MockTransport(rasa))
    await untokened.parse("你好")
    await untokened.close()
    assert "token" not in seen[-1].params
