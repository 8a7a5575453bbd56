"""Rate limits, decided in one place, with the ``limits`` library.

In-process counters (``memory://``) on one machine; with ``REDIS_URL`` the counters live in
Redis, so that every replica of the service sees the same attempts. ``Throttle`` is one named
limit; ``RequestLimits`` is the public API's (issue 19), applied by ``bot.middleware.RateLimit``.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from common.settings import Settings

from .privacy import hash_user_id

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0     # seconds until another attempt is allowed


class Throttle:
    """A named limit (``"9/minute;20/hour"``) over keys such as an account or a client address."""

    def __init__(self, name: str, rate: str, storage_url: str | None = None) -> None:
        self.name = name
        self.items: list[RateLimitItem] = parse_many(rate)
        # a Redis that does not answer costs a request a second, not a TCP timeout
        options = {"socket_timeout": 1.0, "socket_connect_timeout": 1.0} if storage_url else {}
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_url or "memory://", **options))

    def check(self, *keys: str, cost: int = 1) -> Verdict:
        """Whether an attempt costing ``cost`` is allowed for every key (nothing is counted).

        A cost above a limit's amount counts as the whole amount: a long text may use up a
        window, but is never refused forever.
        """
        wait = 0
        for key in keys:
            for item in self.items:
                if not self._limiter.test(item, self.name, key, cost=min(cost, item.amount)):
                    stats = self._limiter.get_window_stats(item, self.name, key)
                    wait = max(wait, int(stats.reset_time - time.time()) + 1)
        return Verdict(allowed=wait == 0, retry_after=wait)

    def count(self, *keys: str, cost: int = 1) -> None:
        """Counts an attempt costing ``cost`` against every key."""
        for key in keys:
            for item in self.items:
                self._limiter.hit(item, self.name, key, cost=min(cost, item.amount))

    def reset(self, *keys: str) -> None:
        for key in keys:
            for item in self.items:
                self._limiter.clear(item, self.name, key)


def text_cost(chars: int, unit: int) -> int:
    """Requests a text counts as: one per ``unit`` characters begun, at least one."""
    return max(1, math.ceil(chars / unit))


class RequestLimits:
    """The public API's limits, per client address and per sender, a long text counting several times.

    Keys are keyed hashes (like the user ids): neither addresses nor senders are kept in the counters.
    """

    def __init__(self, client_rate: str, sender_rate: str, secret: str, text_unit: int = 200,
                 storage_url: str | None = None) -> None:
        self.clients = Throttle("api-client", client_rate, storage_url)
        self.senders = Throttle("api-sender", sender_rate, storage_url)
        self.secret, self.text_unit = secret, text_unit

    @classmethod
    def from_settings(cls, settings: Settings) -> RequestLimits | None:
        """The limits the settings ask for; None when RATE_LIMIT_ENABLED is off."""
        if not settings.RATE_LIMIT_ENABLED:
            return None
        return cls(settings.RATE_LIMIT_CLIENT, settings.RATE_LIMIT_SENDER, settings.SECRET_KEY,
                   settings.RATE_LIMIT_TEXT_UNIT, settings.REDIS_URL)

    def admit(self, client: str | None, sender: str | None = None, text_chars: int = 0) -> Verdict:
        """Whether this request may go on; it is counted against its client and sender if so.

        When the counters cannot be reached (Redis down), the request goes on: the limits protect
        the service, and refusing every citizen would do what they protect against.
        """
        cost = text_cost(text_chars, self.text_unit)
        checks = [(self.clients, hash_user_id(client or "unknown", self.secret, "client"))]
        if sender:
            checks.append((self.senders, hash_user_id(sender, self.secret, "web")))
        try:
            verdicts = [throttle.check(key, cost=cost) for throttle, key in checks]
            if all(v.allowed for v in verdicts):
                for throttle, key in checks:
                    throttle.count(key, cost=cost)
                return Verdict(allowed=True)
        except Exception:
            logger.warning("rate_limit.storage_error", exc_info=True)
            return Verdict(allowed=True)
        return Verdict(allowed=False, retry_after=max(v.retry_after for v in verdicts))
