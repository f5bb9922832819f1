"""Per-client rate limiting: a token bucket per address, in bounded memory.

A bucket holds up to `per_minute` tokens and refills at `per_minute / 60` per
second, so a client may burst up to its minute's allowance and then sustain
the rate. A token bucket needs two numbers per client (a sliding-window log
needs one timestamp per request), and a client idle for a minute has a full
bucket, which is the same as having none: evicting it loses nothing. Beyond
`max_clients`, the least recently seen client is evicted first.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

DEFAULT_MAX_CLIENTS = 10_000


class RateLimiter:
    def __init__(
        self,
        per_minute: int,
        max_clients: int = DEFAULT_MAX_CLIENTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = float(per_minute)
        self.refill_per_second = per_minute / 60.0
        self.max_clients = max_clients
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, time
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.capacity > 0

    def __len__(self) -> int:
        return len(self._buckets)

    def acquire(self, client: str) -> float | None:
        """Take one token for `client`: None if allowed, else seconds until one is free."""
        if not self.enabled:
            return None
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.pop(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.refill_per_second)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                self._evict()
                return None
            self._buckets[client] = (tokens, now)
            self._evict()
            return (1.0 - tokens) / self.refill_per_second

    def _evict(self) -> None:
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)


def retry_after_header(seconds: float) -> str:
    """Retry-After is whole seconds; round up so a client that obeys it succeeds."""
    return str(max(1, math.ceil(seconds)))
