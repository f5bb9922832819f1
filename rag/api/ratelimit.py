"""Per-client rate limiting on the `limits` library, shared by replicas through Redis.

A moving window: a client may make `per_minute` requests in any 60 seconds,
and the next one is a 429 whose Retry-After is when the oldest of them leaves
the window. The storage is `memory://` (this process alone) or `redis://...`,
where every replica counts into the same window, so N replicas behind a load
balancer still allow N requests a minute, not N per replica.

When Redis cannot be reached, this replica falls back to its own in-memory
window and logs a warning, and tries Redis again after `RETRY_STORAGE_S`.
The limit exists to keep one noisy client from slowing everyone else; a
Redis outage should not take the question service down with it (refusing
every request), nor lift the limit altogether (allowing every request). On the
fallback a client gets at most `per_minute` per replica, which still bounds
it. Each Redis call has a short timeout, so a dead Redis costs one wait per
`RETRY_STORAGE_S`, not one per request.
"""

from __future__ import annotations

import logging
import math
import time
from urllib.parse import urlsplit

from rag.errors import RagError

logger = logging.getLogger("rag.api")

MEMORY = "memory://"
# Schemes of the `limits` library's Redis storages (plain, TLS, cluster, sentinel).
REDIS_SCHEMES = ("redis", "rediss", "redis+unix", "redis+cluster", "redis+sentinel")
RETRY_STORAGE_S = 5.0
# Seconds a Redis call may take before this replica falls back to its own window.
STORAGE_TIMEOUT_S = 0.5
NAMESPACE = "rag-ask"


class RateLimitStorageError(RagError):
    """RAG_RATE_LIMIT_STORAGE names a storage this install cannot use."""


def check_storage_uri(uri: str) -> str:
    """`uri` if it is memory:// or a Redis URI; a clear error otherwise."""
    scheme = urlsplit(uri).scheme
    if uri == MEMORY or scheme in REDIS_SCHEMES:
        return uri
    raise ValueError(
        f"rate limit storage {uri!r} is not supported: use {MEMORY} or redis://host:port"
    )


def _storage(uri: str):
    from limits.storage import storage_from_string

    if uri == MEMORY:
        return storage_from_string("async+memory://")
    try:
        # redis-py's asyncio client (the `redis` package); limits defaults to coredis.
        return storage_from_string(
            f"async+{uri}",
            implementation="redispy",
            socket_timeout=STORAGE_TIMEOUT_S,
            socket_connect_timeout=STORAGE_TIMEOUT_S,
        )
    except Exception as exc:  # limits raises ConfigurationError without the redis client
        raise RateLimitStorageError(
            f"cannot use rate limit storage {uri} ({exc}); install the Redis client with "
            "`pip install 'rag[redis]'`"
        ) from exc


class RateLimiter:
    def __init__(self, per_minute: int, storage_uri: str = MEMORY) -> None:
        from limits import RateLimitItemPerMinute
        from limits.aio.strategies import MovingWindowRateLimiter

        self.per_minute = per_minute
        self.storage_uri = check_storage_uri(storage_uri)
        self._item = RateLimitItemPerMinute(max(1, per_minute), namespace=NAMESPACE)
        self._local = MovingWindowRateLimiter(_storage(MEMORY))
        self._shared = (
            MovingWindowRateLimiter(_storage(storage_uri)) if storage_uri != MEMORY else None
        )
        self._shared_down_until = 0.0

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    @property
    def storage(self) -> str:
        """`memory` or `redis`: the kind only, since the URI may carry a Redis password."""
        return "memory" if self._shared is None else "redis"

    @property
    def shared(self) -> bool:
        """True while the limit is counted in the shared storage (not this replica's own)."""
        return self._shared is not None and time.monotonic() >= self._shared_down_until

    async def acquire(self, client: str) -> float | None:
        """Count one request of `client`: None if allowed, else seconds until one is."""
        if not self.enabled:
            return None
        if self.shared:
            try:
                return await self._hit(self._shared, client)  # type: ignore[arg-type]
            except Exception as exc:  # any storage failure: connection, timeout, protocol
                self._shared_down_until = time.monotonic() + RETRY_STORAGE_S
                logger.warning(
                    "rate limit storage %s is unreachable (%s); this replica counts on its "
                    "own for %.0f s",
                    self.storage_uri,
                    exc,
                    RETRY_STORAGE_S,
                )
        return await self._hit(self._local, client)

    async def _hit(self, limiter, client: str) -> float | None:
        if await limiter.hit(self._item, client):
            return None
        stats = await limiter.get_window_stats(self._item, client)
        return max(0.0, stats.reset_time - time.time())


def retry_after_header(seconds: float) -> str:
    """Retry-After is whole seconds; round up so a client that obeys it succeeds."""
    return str(max(1, math.ceil(seconds)))
