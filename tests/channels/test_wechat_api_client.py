"""access_token cache and customer-service client against the simulated WeChat API (no Rasa)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from channels.wechat.client import CustomerServiceClient, SendError
from channels.wechat.state import MemoryStateStore
from channels.wechat.token import AccessTokenCache, TokenError, refresh_margin
from tests.channels.fake_wechat import APP_ID, SECRET, FakeWeChat, ServerThread


@pytest.fixture
def fake():
    fake = FakeWeChat(APP_ID, SECRET, expires_in=7200)
    with ServerThread(fake.app) as url:
        fake.url = url
        yield fake


@pytest.fixture
async def http():
    async with httpx.AsyncClient(timeout=5) as client:
        yield client


async def test_token_is_fetched_once_and_cached(fake, http):
    tokens = AccessTokenCache(http, fake.url, APP_ID, SECRET)
    first = await tokens.get()
    assert await tokens.get() == first and fake.token_requests == 1


async def test_concurrent_callers_share_one_fetch(fake, http):
    tokens = AccessTokenCache(http, fake.url, APP_ID, SECRET)
    got = await asyncio.gather(*(tokens.get() for _ in range(10)))
    assert len(set(got)) == 1 and fake.token_requests == 1


async def test_short_lived_token_is_refreshed_a_little_early(fake, http):
    fake.expires_in = 2
    assert refresh_margin(2) == pytest.approx(0.4) and refresh_margin(7200) == 300
    tokens = AccessTokenCache(http, fake.url, APP_ID, SECRET)
    first = await tokens.get()
    await asyncio.sleep(1.7)  # past 2 - 0.4 s, before the fake expires it
    second = await tokens.get()
    assert second != first and fake.token_requests == 2


async def test_hosts_sharing_a_store_fetch_one_token(fake, http):
    store = MemoryStateStore()
    a = AccessTokenCache(http, fake.url, APP_ID, SECRET, store)
    b = AccessTokenCache(http, fake.url, APP_ID, SECRET, store)
    assert await a.get() == await b.get() and fake.token_requests == 1
    await b.invalidate(await b.get())
    assert await a.get() != "" and fake.token_requests == 1  # a still holds its copy until WeChat refuses it


async def test_wrong_secret_is_a_token_error(fake, http):
    with pytest.raises(TokenError) as err:
        await AccessTokenCache(http, fake.url, APP_ID, "wrong").get()
    assert err.value.errcode == 40125


@pytest.mark.parametrize("spoil", ["revoke_all", "expire_all"])
async def test_refused_token_is_refreshed_and_the_send_retried_once(fake, http, spoil):
    tokens = AccessTokenCache(http, fake.url, APP_ID, SECRET)
    cs = CustomerServiceClient(http, fake.url, tokens)
    await cs.send_text("oUserA", "第一条。")
    getattr(fake, spoil)()
    await cs.send_text("oUserA", "第二条。")
    assert [d.content for d in fake.to("oUserA")] == ["第一条。", "第二条。"]
    assert fake.token_requests == 2 and fake.token_errors_returned == 1


async def test_a_token_refused_twice_is_not_retried_forever(fake, http):
    cs = CustomerServiceClient(http, fake.url, AccessTokenCache(http, fake.url, APP_ID, SECRET))
    fake.fail_next = [40001, 40001, 40001]
    with pytest.raises(SendError) as err:
        await cs.send_text("oUserB", "不会送达。")
    assert err.value.errcode == 40001 and fake.send_requests == 2 and fake.to("oUserB") == []


async def test_busy_is_retried_other_errors_are_not(fake, http):
    cs = CustomerServiceClient(http, fake.url, AccessTokenCache(http, fake.url, APP_ID, SECRET))
    fake.fail_next = [-1]
    await cs.send_text("oUserC", "稍后送达。")
    assert len(fake.to("oUserC")) == 1
    fake.fail_next = [45015]
    with pytest.raises(SendError) as err:
        await cs.send_text("oUserC", "超过48小时。")
    assert err.value.errcode == 45015 and len(fake.to("oUserC")) == 1


async def test_unreachable_api_is_a_send_error(http):
    from tests.channels.fake_wechat import free_port

    url = f"http://127.0.0.1:{free_port()}"
    cs = CustomerServiceClient(http, url, AccessTokenCache(http, url, APP_ID, SECRET))
    with pytest.raises(SendError):
        await cs.send_text("oUserD", "无处可送。")
