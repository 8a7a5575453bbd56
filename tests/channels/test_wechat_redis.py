"""The Redis state store against a real redis-server, and two hosts answering one WeChat account.

The test starts its own ``redis-server`` on a free loopback port (``make system-deps``
installs the package). Two app instances share that Redis and one database, and the
simulated WeChat sends each retry to the other host, as a load balancer might.
"""

from __future__ import annotations

import asyncio
import secrets

import httpx
import pytest

from channels.wechat.state import MemoryStateStore, RedisStateStore
from common.settings import get_settings
from tests.channels.fake_wechat import (
    APP_ID,
    TOKEN,
    FakeRasa,
    Pusher,
    exactly_once,
    free_port,
    new_openid,
    running_app,
    text_xml,
    wechat_settings,
)

pytestmark = pytest.mark.integration   # a real Redis server (Debian's redis-server, started by the tests)


@pytest.fixture(params=["memory", "redis"])
async def store(request):
    if request.param == "memory":
        store = MemoryStateStore()
    else:
        store = RedisStateStore(request.getfixturevalue("redis_url"), prefix=f"test:{secrets.token_hex(4)}:")
    yield store
    await store.close()


async def test_store_contract(store):
    assert await store.ping()
    assert await store.claim("k", "first", 30) is True
    assert await store.claim("k", "second", 30) is False
    assert await store.get("k") == "first"
    await store.set("r", "结果", 30)
    assert await store.get("r") == "结果"
    assert [await store.incr("n", 30) for _ in range(3)] == [1, 2, 3]
    await store.delete("k")
    assert await store.get("k") is None and await store.get("missing") is None


async def test_store_ttl(store):
    assert await store.claim("short", "x", 0.3)
    await store.incr("count", 0.3)
    await asyncio.sleep(0.45)
    assert await store.get("short") is None and await store.claim("short", "y", 30)
    assert await store.incr("count", 30) == 1


async def test_exactly_one_of_many_concurrent_claims_wins(store):
    wins = await asyncio.gather(*(store.claim("race", str(i), 30) for i in range(50)))
    assert sum(wins) == 1


# -- two hosts, one Redis ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hosts(fake, redis_url, tmp_path_factory):
    rasa = FakeRasa(delays={"慢": 3.0, "稍慢": 0.8})
    db = tmp_path_factory.mktemp("shared") / "db.sqlite3"
    settings = wechat_settings(get_settings(), fake.url, db, REDIS_URL=redis_url)
    with running_app(settings, rasa) as (a, app_a), running_app(settings, rasa) as (b, app_b):
        assert app_a.state.wechat.info()["state"] == "redis"
        yield {"a": a, "b": b, "app": app_a, "rasa": rasa}


def pusher(targets, fake) -> Pusher:
    return Pusher(targets, TOKEN, APP_ID, fake, timeout=1.0, retry_gap=0.2)


async def test_retry_on_the_other_host_answers_passively(hosts, fake):
    openid, store = new_openid(), hosts["app"].state.store
    before = store.count_turns("wechat")
    result = await pusher([hosts["a"], hosts["b"]], fake).push(text_xml(openid, "稍慢·两台", secrets.randbits(60)),
                                                               openid)
    assert result.statuses == ["timeout", 200] and result.passive  # B served A's answer from Redis
    await asyncio.sleep(0.5)
    assert [d.via for d in fake.to(openid)] == ["passive"] and store.count_turns("wechat") == before + 1
    assert sum(t == "稍慢·两台" for t in hosts["rasa"].texts()) == 1


@pytest.mark.parametrize("order", ["aba", "abb"])
async def test_slow_answer_across_hosts_goes_once_by_the_api(hosts, fake, order):
    openid = new_openid()
    targets = [hosts[c] for c in order]
    result = await pusher(targets, fake).push(text_xml(openid, f"慢·{order}", secrets.randbits(60)), openid)
    assert result.statuses == ["timeout", "timeout", 200]
    await asyncio.sleep(2.0)
    assert [d.via for d in fake.to(openid)] == ["cs"]


async def test_many_messages_across_two_hosts(hosts, fake):
    texts = ["慢·群", "稍慢·群", "普通·群", "普通·群二"] * 3
    users = [new_openid() for _ in texts]
    p = pusher([hosts["a"], hosts["b"]], fake)
    async with httpx.AsyncClient() as client:
        await asyncio.gather(*(p.push(text_xml(u, t, secrets.randbits(60)), u, client)
                               for u, t in zip(users, texts, strict=True)))
    await asyncio.sleep(3.0)
    once = sum(exactly_once(fake.to(u)) for u in users)
    print(f"\ntwo hosts, one Redis: {once}/{len(users)} messages answered exactly once")
    assert once == len(users)


async def test_redis_down_still_answers(fake, tmp_path):
    settings = wechat_settings(get_settings(), fake.url, tmp_path / "db.sqlite3",
                               REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    with running_app(settings, FakeRasa()) as (url, _):
        openid = new_openid()
        result = await pusher(url, fake).push(text_xml(openid, "Redis 停了", secrets.randbits(60)), openid)
        assert result.statuses == [200] and "Redis 停了" in result.passive
