"""Rate limits, decided in one place, with the ``limits`` library.

In-process counters (``memory://``) on one machine; with ``REDIS_URL`` the counters live in
Redis, so that every replica of the service sees the same attempts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0     # seconds until another attempt is allowed


class Throttle:
    """A named limit (``"9/minute;20/hour"``) over keys such as an account or a client address."""

    def __init__(self, name: str, rate: str, storage_url: str | None = None) -> None:
        self.name = name
        self.items: list[RateLimitItem] = parse_many(rate)
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_url or "memory://"))

    def check(self, *keys: str) -> Verdict:
        """Whether one more attempt is allowed for every key (nothing is counted)."""
        wait = 0
        for key in keys:
            for item in self.items:
                if not self._limiter.test(item, self.name, key):
                    stats = self._limiter.get_window_stats(item, self.name, key)
                    wait = max(wait, int(stats.reset_time - time.time()) + 1)
        return Verdict(allowed=wait == 0, retry_after=wait)

    def count(self, *keys: str) -> None:
        """Counts one attempt against every key."""
        for key in keys:
            for item in self.items:
                self._limiter.hit(item, self.name, key)

    def reset(self, *keys: str) -> None:
        for key in keys:
            for item in self.items:
                self._limiter.clear(item, self.name, key)
