"""A bounded, thread-safe LRU cache of answers.

Keys carry the index generation, so an answer computed on one index can never
be served for another: after a reload the old keys simply stop matching (and
the service also clears the cache then, to free the memory at once).
"""

from __future__ import annotations

import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


def normalise_question(question: str) -> str:
    """The form of a question that two equivalent spellings share.

    NFKC and collapsed whitespace only: the e5 tokenizer normalises both away,
    so such variants embed identically. Case is kept, because the tokenizer
    is case-sensitive and "US" is not "us".
    """
    return " ".join(unicodedata.normalize("NFKC", question).split())


class LRUCache(Generic[V]):
    """At most `capacity` entries; the least recently used goes first. 0 disables."""

    def __init__(self, capacity: int) -> None:
        self.capacity = max(0, capacity)
        self._entries: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> V | None:
        if self.capacity == 0:
            return None
        with self._lock:
            value = self._entries.get(key)
            if value is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key: Hashable, value: V) -> None:
        if self.capacity == 0:
            return
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
