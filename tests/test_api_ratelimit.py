"""The token bucket behind the 429s, on a fake clock."""

from __future__ import annotations

import pytest

from rag.api.ratelimit import RateLimiter, retry_after_header


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_a_client_may_burst_up_to_the_per_minute_limit(clock: Clock) -> None:
    limiter = RateLimiter(5, clock=clock)
    assert [limiter.acquire("a") for _ in range(5)] == [None] * 5
    assert limiter.acquire("a") is not None


def test_wait_is_the_time_until_one_token_refills(clock: Clock) -> None:
    limiter = RateLimiter(60, clock=clock)  # one token per second
    for _ in range(60):
        limiter.acquire("a")
    assert limiter.acquire("a") == pytest.approx(1.0)


def test_tokens_refill_with_time(clock: Clock) -> None:
    limiter = RateLimiter(2, clock=clock)
    limiter.acquire("a")
    limiter.acquire("a")
    clock.now += 30  # 2 per minute: one token back after 30 s
    assert limiter.acquire("a") is None
    assert limiter.acquire("a") is not None


def test_refused_requests_do_not_push_the_retry_further(clock: Clock) -> None:
    limiter = RateLimiter(1, clock=clock)
    limiter.acquire("a")
    first = limiter.acquire("a")
    clock.now += 10
    assert limiter.acquire("a") == pytest.approx(first - 10)


def test_clients_have_separate_buckets(clock: Clock) -> None:
    limiter = RateLimiter(1, clock=clock)
    assert limiter.acquire("a") is None
    assert limiter.acquire("b") is None
    assert limiter.acquire("a") is not None


def test_zero_means_unlimited(clock: Clock) -> None:
    limiter = RateLimiter(0, clock=clock)
    assert all(limiter.acquire("a") is None for _ in range(1000))
    assert len(limiter) == 0


def test_memory_is_bounded_by_evicting_the_least_recent_client(clock: Clock) -> None:
    limiter = RateLimiter(1, max_clients=3, clock=clock)
    for client in ("a", "b", "c", "d"):
        limiter.acquire(client)
    assert len(limiter) == 3
    assert limiter.acquire("a") is None  # evicted, so it starts again with a full bucket
    assert limiter.acquire("d") is not None  # still tracked


def test_many_clients_never_exceed_the_bound(clock: Clock) -> None:
    limiter = RateLimiter(10, max_clients=100, clock=clock)
    for i in range(10_000):
        limiter.acquire(f"10.0.{i // 256}.{i % 256}")
    assert len(limiter) == 100


@pytest.mark.parametrize(("seconds", "header"), [(0.01, "1"), (1.0, "1"), (1.2, "2"), (59.5, "60")])
def test_retry_after_rounds_up_to_whole_seconds(seconds: float, header: str) -> None:
    assert retry_after_header(seconds) == header
