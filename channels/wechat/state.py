"""Where the connector keeps per-message state: claims, attempt counters, finished answers, the token.

One small Protocol, two implementations: in memory (one process, the default) and
Redis (``REDIS_URL`` set; several hosts behind a load balancer, where WeChat's retry
may reach another host than the first attempt). A claim is ``SET key NX EX ttl``:
exactly one caller wins it, which is what makes every answer go out exactly once.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol, runtime_checkable

PREFIX = "xinfang:wechat:"


@runtime_checkable
class StateStore(Protocol):
    name: str

    async def claim(self, key: str, value: str, ttl: float) -> bool:
        """Set ``key`` only if absent; True for the one caller that set it."""
        raise NotImplementedError("claim")

    async def get(self, key: str) -> str | None:
        raise NotImplementedError("get")

    async def set(self, key: str, value: str, ttl: float) -> None:
        raise NotImplementedError("set")

    async def incr(self, key: str, ttl: float) -> int:
        """Add one (from 0) and return the new value; the TTL starts with the first increment."""
        raise NotImplementedError("incr")

    async def delete(self, key: str) -> None:
        raise NotImplementedError("delete")

    async def ping(self) -> bool:
        raise NotImplementedError("ping")

    async def close(self) -> None:
        raise NotImplementedError("close")


class MemoryStateStore:
    """A dict with expiry. Safe without locks: every method runs to completion on the event loop."""

    name = "memory"

    def __init__(self, clock=time.monotonic) -> None:
        self._data: dict[str, tuple[str, float]] = {}
        self._clock = clock
        self._ops = 0

    def _live(self, key: str) -> str | None:
        item = self._data.get(key)
        if item is None:
            return None
        if item[1] <= self._clock():
            del self._data[key]
            return None
        return item[0]

    def _sweep(self) -> None:
        self._ops += 1
        if self._ops % 1000 == 0:
            now = self._clock()
            for k in [k for k, (_, exp) in self._data.items() if exp <= now]:
                del self._data[k]

    async def claim(self, key: str, value: str, ttl: float) -> bool:
        self._sweep()
        if self._live(key) is not None:
            return False
        self._data[key] = (value, self._clock() + ttl)
        return True

    async def get(self, key: str) -> str | None:
        return self._live(key)

    async def set(self, key: str, value: str, ttl: float) -> None:
        self._sweep()
        self._data[key] = (value, self._clock() + ttl)

    async def incr(self, key: str, ttl: float) -> int:
        self._sweep()
        current = self._live(key)
        if current is None:
            self._data[key] = ("1", self._clock() + ttl)
            return 1
        value = int(current) + 1
        self._data[key] = (str(value), self._data[key][1])
        return value

    async def delete(self, key: str) -> None:
        self._data.pop(key, None)

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        self._data.clear()

    def __len__(self) -> int:
        return len(self._data)


class RedisStateStore:
    """The same operations on Redis (``redis.asyncio``), keys prefixed, TTLs in milliseconds."""

    name = "redis"

    def __init__(self, url: str, prefix: str = PREFIX) -> None:
        from redis.asyncio import Redis

        self.prefix = prefix
        self._redis = Redis.from_url(url, decode_responses=True, socket_timeout=2.0, socket_connect_timeout=2.0)

    def _k(self, key: str) -> str:
        return self.prefix + key

    async def claim(self, key: str, value: str, ttl: float) -> bool:
        return bool(await self._redis.set(self._k(key), value, nx=True, px=max(1, int(ttl * 1000))))

    async def get(self, key: str) -> str | None:
        value = await self._redis.get(self._k(key))
        return value.decode() if isinstance(value, bytes) else value

    async def set(self, key: str, value: str, ttl: float) -> None:
        await self._redis.set(self._k(key), value, px=max(1, int(ttl * 1000)))

    async def incr(self, key: str, ttl: float) -> int:
        async with self._redis.pipeline(transaction=True) as pipe:
            # SET NX starts the counter with its TTL (INCR keeps it); works before Redis 7's PEXPIRE NX.
            pipe.set(self._k(key), 0, nx=True, px=max(1, int(ttl * 1000)))
            pipe.incr(self._k(key))
            _, value = await pipe.execute()
        return int(value)

    async def delete(self, key: str) -> None:
        await self._redis.delete(self._k(key))

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except Exception:
            return False

    async def close(self) -> None:
        await self._redis.aclose()


def create_state_store(redis_url: str | None) -> StateStore:
    return RedisStateStore(redis_url) if redis_url else MemoryStateStore()


async def wait_for_value(store: StateStore, key: str, deadline: float, interval: float = 0.05) -> str | None:
    """Poll ``key`` until it has a value or the loop clock passes ``deadline``."""
    loop = asyncio.get_running_loop()
    while True:
        value = await store.get(key)
        if value is not None or loop.time() >= deadline:
            return value
        await asyncio.sleep(min(interval, max(0.0, deadline - loop.time())))
