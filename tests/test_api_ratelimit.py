"""The rate limiter behind the 429s: the `limits` library's moving window, memory or Redis."""

from __future__ import annotations

import asyncio
import logging

import pytest

from rag.api.ratelimit import RateLimiter, check_storage_uri, retry_after_header
from rag.config import Settings


def hits(limiter: RateLimiter, client: str, n: int) -> list[float | None]:
    async def run() -> list[float | None]:
        return [await limiter.acquire(client) for _ in range(n)]

    return asyncio.run(run())


def test_a_client_may_make_the_per_minute_limit_in_a_row() -> None:
    results = hits(RateLimiter(5), "a", 6)
    assert results[:5] == [None] * 5 and results[5] is not None


def test_the_wait_is_at_most_the_window() -> None:
    wait = hits(RateLimiter(2), "a", 3)[2]
    assert wait is not None and 0 < wait <= 60


def test_clients_have_separate_windows() -> None:
    limiter = RateLimiter(1)
    assert hits(limiter, "a", 1) == [None]
    assert hits(limiter, "b", 1) == [None]
    assert hits(limiter, "a", 1) != [None]


def test_zero_means_unlimited() -> None:
    assert set(hits(RateLimiter(0), "a", 500)) == {None}


def test_an_unreachable_redis_falls_back_to_this_replicas_own_window(caplog) -> None:
    # Port 1 on loopback: nothing listens, the connection is refused at once.
    limiter = RateLimiter(2, "redis://127.0.0.1:1/0")
    with caplog.at_level(logging.WARNING, logger="rag.api"):
        results = hits(limiter, "a", 3)
    assert results[:2] == [None, None] and results[2] is not None
    assert not limiter.shared
    assert "unreachable" in caplog.text


def test_the_fallback_is_logged_once_until_redis_is_retried(caplog) -> None:
    limiter = RateLimiter(100, "redis://127.0.0.1:1/0")
    with caplog.at_level(logging.WARNING, logger="rag.api"):
        hits(limiter, "a", 20)
    assert caplog.text.count("unreachable") == 1


@pytest.mark.parametrize("uri", ["memory://", "redis://10.1.2.3:6379/0", "rediss://r:6380"])
def test_memory_and_redis_storages_are_accepted(uri: str) -> None:
    assert check_storage_uri(uri) == uri


@pytest.mark.parametrize("uri", ["memcached://x:11211", "redis", "", "file:///tmp/x"])
def test_other_storages_are_a_clear_settings_error(uri: str) -> None:
    with pytest.raises(ValueError, match="memory:// or redis://"):
        Settings(_env_file=None, rate_limit_storage=uri)  # type: ignore[call-arg]


@pytest.mark.parametrize(("seconds", "header"), [(0.01, "1"), (1.0, "1"), (1.2, "2"), (59.5, "60")])
def test_retry_after_rounds_up_to_whole_seconds(seconds: float, header: str) -> None:
    assert retry_after_header(seconds) == header
