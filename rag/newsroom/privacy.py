"""Who asked, as little as possible: a salted hash of the address that rotates daily.

The salt is random, made fresh each UTC day, and yesterday's is deleted, so a
hash links one client's questions within a day (one vote per answer) and can
never be recomputed from an address afterwards. Addresses and API keys are
never stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable


def utc_day(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).date().isoformat()


class ClientHasher:
    """`hash(address)`: 16 hex digits, the same all day, unrelated from one day to the next."""

    def __init__(
        self,
        on_new_salt: Callable[[str, bytes], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._on_new_salt = on_new_salt
        self._clock = clock
        self._lock = threading.Lock()
        self._day = ""
        self._salt = b""

    def adopt(self, day: str, salt: bytes) -> None:
        """Reuse today's salt kept in the database, so a restart keeps today's hashes."""
        with self._lock:
            if day == utc_day(self._clock()):
                self._day, self._salt = day, salt

    def salt(self) -> tuple[str, bytes]:
        today = utc_day(self._clock())
        with self._lock:
            if today != self._day:
                self._day, self._salt = today, secrets.token_bytes(32)
                fresh = True
            else:
                fresh = False
            day, salt = self._day, self._salt
        if fresh and self._on_new_salt is not None:
            self._on_new_salt(day, salt)
        return day, salt

    def hash(self, address: str) -> str:
        _, salt = self.salt()
        return hmac.new(salt, address.encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:16]
