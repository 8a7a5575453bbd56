"""Rate limits through the ``limits`` library: in process by default, in Redis across replicas."""

from __future__ import annotations

import pytest

from bot.throttle import Throttle


def test_attempts_past_the_limit_are_refused_with_a_wait_and_other_keys_are_not():
    t = Throttle("test-login", "3/minute")
    seen = []
    for _ in range(4):
        seen.append(t.check("account:a").allowed)
        t.count("account:a")
    assert seen == [True, True, True, False]
    refused = t.check("account:a")
    assert not refused.allowed and 0 < refused.retry_after <= 61
    assert t.check("account:b").allowed


def test_checking_counts_nothing_and_every_key_must_be_within_its_limit():
    t = Throttle("test-both", "2/minute")
    for _ in range(5):
        assert t.check("account:a").allowed
    t.count("client:x")
    t.count("client:x")
    assert t.check("account:a").allowed and not t.check("account:a", "client:x").allowed


def test_several_limits_apply_together():
    t = Throttle("test-many", "5/minute;2/hour")
    t.count("k")
    t.count("k")
    assert not t.check("k").allowed


def test_a_rate_that_is_no_rate_is_refused():
    with pytest.raises(ValueError):
        Throttle("bad", "often")


@pytest.mark.integration
def test_two_replicas_on_one_redis_share_the_counts(redis_url):
    a = Throttle("test-replicas", "3/minute", redis_url)
    b = Throttle("test-replicas", "3/minute", redis_url)
    a.reset("account:x")
    a.count("account:x")
    b.count("account:x")
    a.count("account:x")
    assert not b.check("account:x").allowed and b.check("account:y").allowed
