"""The term table: every corpus term, its language, its embedding and its consonant skeleton.

Lexical evidence has to cross languages: an English question over an Arabic
article shares no words with it. The table lets the question path find, for
each question word, the corpus terms of the other language that translate it
(`rag.query.translate`): by embedding (each term is embedded once, at index
time, as a query-side word) and, for names, by consonant skeleton
(`rag.text.transliterate`).

Rows are grouped by language, so a search "among the Arabic terms" is a FAISS
range selector rather than a filter over the whole table.
"""

from __future__ import annotations

import functools
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import TypeVar

import faiss
import numpy as np

from rag.cache import LRUCache
from rag.embeddings import Embedder
from rag.index.background import BACKGROUND_QUESTIONS
from rag.text.arabic import content_words
from rag.text.language import detect_language
from rag.text.transliterate import lookup_keys, near_skeletons, skeleton_variants

TERMS_FILE = "terms.json"
TERM_VECTORS = "terms.npy"
EMBED_BATCH = 64
# Neighbours kept per loaded table, of terms and of question words
# (`TermTable.nearest_to_terms`, `nearest_to_words`): a few MB each.
NEIGHBOUR_CACHE = 50_000
V = TypeVar("V")
REFERENCE_TEXTS = tuple(text for pair in BACKGROUND_QUESTIONS for text in pair)


class TermTable:
    """Corpus terms (one surface form per match key), grouped by language, with vectors."""

    def __init__(
        self, surfaces: list[str], keys: list[str], languages: list[str], vectors: np.ndarray
    ) -> None:
        if not (len(surfaces) == len(keys) == len(languages) == len(vectors)):
            raise ValueError("term table columns differ in length")
        self.surfaces = surfaces
        self.keys = keys
        self.languages = languages
        dim = vectors.shape[1] if vectors.ndim == 2 and vectors.shape[1] else 1
        # float16 on disk and in memory: FAISS's fp16 scalar quantizer holds the
        # only in-memory copy and searches it directly.
        self._search = faiss.IndexScalarQuantizer(
            dim, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT
        )
        if len(vectors):
            self._search.add(np.ascontiguousarray(vectors, dtype=np.float32))
        self._rows_of_key = {k: i for i, k in enumerate(keys)}
        self._neighbours: LRUCache[tuple[float, int]] = LRUCache(NEIGHBOUR_CACHE)
        self._word_neighbours: LRUCache[np.ndarray] = LRUCache(NEIGHBOUR_CACHE)
        self.language_rows: dict[str, range] = {}
        for row, language in enumerate(languages):
            span = self.language_rows.get(language)
            if span is not None and span.stop != row:
                raise ValueError("term table rows are not grouped by language")
            self.language_rows[language] = range(span.start if span else row, row + 1)

    def __len__(self) -> int:
        return len(self.keys)

    def row_of(self, key: str) -> int | None:
        return self._rows_of_key.get(key)

    @property
    def vectors(self) -> np.ndarray:
        """The whole table as float16, decoded from the search index (exactly)."""
        if not len(self):
            return np.zeros((0, self._search.d), dtype=np.float16)
        return self._search.reconstruct_n(0, len(self)).astype(np.float16)

    def vector(self, row: int) -> np.ndarray:
        return self._search.reconstruct(int(row))

    def nearest(
        self, queries: np.ndarray, language: str, k: int = 1
    ) -> tuple[np.ndarray, np.ndarray]:
        """The k nearest terms of `language` to each query, nearest first: (similarities,
        rows; -1 where there are fewer), each of shape (len(queries), k)."""
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        span = self.language_rows.get(language)
        if span is None or not len(queries):
            n = len(queries)
            return np.full((n, k), -np.inf, dtype=np.float32), np.full((n, k), -1, dtype=np.int64)
        params = faiss.SearchParameters(sel=faiss.IDSelectorRange(span.start, span.stop))
        return self._search.search(queries, k, params=params)

    def transliterations(self, word: str, language: str) -> list[int]:
        """Rows of `language` whose skeleton matches `word`'s (a name in the other script)."""
        found: set[int] = set()
        for variant in skeleton_variants(word):
            for probe in lookup_keys(variant):
                for row, term_skeleton in self._skeletons.get((language, probe), ()):
                    if near_skeletons(variant, term_skeleton):
                        found.add(row)
        return sorted(found)

    @functools.cached_property
    def _skeletons(self) -> dict[tuple[str, str], list[tuple[int, str]]]:
        """(language, lookup key) -> (row, skeleton) of the terms a name could match.

        Latin terms qualify only when written with a capital (names); any Arabic
        term may be a transliterated name, since Arabic has no capitals.
        """
        table: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
        for row, (surface, language) in enumerate(zip(self.surfaces, self.languages, strict=True)):
            if language != "ar" and not surface[:1].isupper():
                continue
            for variant in skeleton_variants(surface):
                for probe in lookup_keys(variant):
                    table[(language, probe)].append((row, variant))
        return dict(table)

    def nearest_to_terms(self, rows: list[int], language: str) -> tuple[np.ndarray, np.ndarray]:
        """The nearest term of `language` to each of the table's own terms `rows`:
        (similarities, rows; -1 where there is none), each of length len(rows).

        A term's nearest neighbour is a property of the table, so each answer is
        kept: the mutual-translation test asks it for every candidate translation
        of every question word, and a flat scan of a language's terms costs as
        much as the vocabulary is large. Same results as `nearest`, without the
        search for a term asked about before. With `nearest_to_words`, over 400
        dev-archive questions in a row (`make bench`, section archive, 3,253
        terms, nothing kept at the start), matching a question's words took a
        p50 of 0.45 ms against 1.29 ms searching every time (0.35x, same run),
        and every eval result was unchanged.
        """

        def search(missing: list[int]) -> list[tuple[float, int]]:
            vectors = np.vstack([self.vector(rows[i]) for i in missing])
            sims, hits = self.nearest(vectors, language)
            return [(float(s), int(h)) for s, h in zip(sims[:, 0], hits[:, 0], strict=True)]

        kept = _kept(self._neighbours, [(int(row), language) for row in rows], search)
        return (
            np.array([sim for sim, _ in kept], dtype=np.float32),
            np.array([row for _, row in kept], dtype=np.int64),
        )

    def nearest_to_words(
        self, words: list[str], vectors: np.ndarray, language: str, k: int
    ) -> np.ndarray:
        """Rows of the k nearest terms of `language` to each question word (-1 where there
        are fewer), shape (len(words), k). Kept by word, as `nearest_to_terms` is by term:
        a word's vector, from the index's own model, is the same each time it is asked."""
        if not words:
            return np.full((0, k), -1, dtype=np.int64)

        def search(missing: list[int]) -> list[np.ndarray]:
            _, hits = self.nearest(np.vstack([vectors[i] for i in missing]), language, k)
            return [row.copy() for row in hits]

        keys = [(word, language, k) for word in words]
        return np.vstack(_kept(self._word_neighbours, keys, search)).astype(np.int64)

    def forget_neighbours(self) -> None:
        """Drop the kept neighbours (a bench compares with searching every time)."""
        self._neighbours.clear()
        self._word_neighbours.clear()

    @classmethod
    def build(
        cls,
        texts: list[str],
        embedder: Embedder,
        previous: TermTable | None = None,
        limit: int = 100_000,
        on_total: Callable[[int], None] | None = None,
        on_progress: Callable[[int], None] | None = None,
    ) -> TermTable:
        """Embed each corpus term once; terms already in `previous` are reused.

        The background questions' words join the table too (`REFERENCE_TEXTS`),
        in both languages, though no passage holds them: a translation is a
        mutual nearest neighbour, and in an archive of one language the other
        language would otherwise have no word to be nearer than the question's,
        so every word would "translate" to its nearest term, however far.
        """
        surfaces: dict[str, Counter[str]] = {}
        frequency: Counter[str] = Counter()
        for text in texts:
            for surface, key in content_words(text):
                frequency[key] += 1
                surfaces.setdefault(key, Counter())[surface] += 1
        chosen = {k: surfaces[k].most_common(1)[0][0] for k, _ in frequency.most_common(limit)}
        for text in REFERENCE_TEXTS:
            for surface, key in content_words(text):
                chosen.setdefault(key, surface)
        language = {k: detect_language(s) for k, s in chosen.items()}
        # Grouped by language, most frequent first within each.
        keys = sorted(chosen, key=lambda k: (language[k], -frequency.get(k, 0), k))
        vectors = np.zeros((len(keys), embedder.dim), dtype=np.float32)
        missing = []
        for i, key in enumerate(keys):
            row = previous.row_of(key) if previous is not None else None
            if row is not None and previous.surfaces[row] == chosen[key]:
                vectors[i] = previous.vector(row)
            else:
                missing.append(i)
        if on_total:
            on_total(len(missing))
        for start in range(0, len(missing), EMBED_BATCH):
            rows = missing[start : start + EMBED_BATCH]
            vectors[rows] = embedder.embed_queries([chosen[keys[i]] for i in rows])
            if on_progress:
                on_progress(len(rows))
        return cls([chosen[k] for k in keys], keys, [language[k] for k in keys], vectors)

    def save(self, directory: Path) -> None:
        payload = {"surfaces": self.surfaces, "keys": self.keys, "languages": self.languages}
        (Path(directory) / TERMS_FILE).write_text(json.dumps(payload, ensure_ascii=False), "utf-8")
        np.save(Path(directory) / TERM_VECTORS, self.vectors, allow_pickle=False)

    @classmethod
    def load(cls, directory: Path) -> TermTable:
        payload = json.loads((Path(directory) / TERMS_FILE).read_text("utf-8"))
        vectors = np.load(Path(directory) / TERM_VECTORS, allow_pickle=False)
        return cls(payload["surfaces"], payload["keys"], payload["languages"], vectors)


def _kept(
    cache: LRUCache[V], keys: list[Hashable], search: Callable[[list[int]], list[V]]
) -> list[V]:
    """Each key's value from `cache`; those not kept are found by one `search` over their
    positions in `keys`, and kept."""
    values = [cache.get(key) for key in keys]
    missing = [i for i, value in enumerate(values) if value is None]
    if missing:
        for i, value in zip(missing, search(missing), strict=True):
            values[i] = value
            cache.put(keys[i], value)
    return values
