"""Lexical evidence for questions in another language than the documents.

BM25 cannot match "Harbin" to "خاربين": an English question over an Arabic
article shares no words with it. The multilingual embedding model, though,
places a word near its translations. At index time every corpus term (one
surface form per BM25 key) is embedded; at question time each question word
that the corpus lacks is replaced by the corpus terms nearest to it, when
they are close enough to be a translation rather than a neighbour in topic.

Measured on the dev and held-out sets (`rag eval`), word-to-word similarity
with the query prefix on both sides is at least 0.86 for names and concrete
nouns (Harbin→خاربين, Iran→إيران, spokesman→المتحدث, university→جامعة) and
rarely above it for unrelated words; `MIN_SIMILARITY` sits there.

Within one script, words sit closer: 0.87-0.93 is where neighbours in topic
live (past→met 0.875, سعر→الاستخدام 0.897, صدور→الرئيس 0.913), while
inflections and true synonyms score higher (visit→visits 0.98, أصبح→أصبحت
0.97, الأسلحة→السلاح 0.96, لقاءات→المحادثات 0.95). So a same-script match
needs `SAME_SCRIPT_MIN_SIMILARITY`; without it, in an archive with English
articles, an English question's rarer words were "translated" into unrelated
English words and lifted those articles for no reason.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from rag.embeddings import Embedder
from rag.text.arabic import content_words
from rag.text.language import detect_language

VOCAB_WORDS = "terms.json"
VOCAB_VECTORS = "terms.npy"
MIN_SIMILARITY = 0.87
SAME_SCRIPT_MIN_SIMILARITY = 0.94
# Near-ties are kept: "need" -> تحتاج and يحتاج are both translations.
TIE_MARGIN = 0.01
MAX_PER_WORD = 3
# How many nearest terms to look at, so that same-script neighbours ahead of
# the translations do not crowd them out.
SEARCH_DEPTH = 16
EMBED_BATCH = 64


@dataclass(frozen=True)
class Translation:
    word: str
    key: str
    similarity: float


class TermTranslator:
    """Corpus terms (surface form + match key) and their query-side embeddings."""

    def __init__(self, surfaces: list[str], keys: list[str], vectors: np.ndarray) -> None:
        self.surfaces = surfaces
        self.keys = keys
        # float16 on disk and in memory: half the size. FAISS's fp16 scalar
        # quantizer holds the only in-memory copy and searches it directly
        # (top-k without sorting the table).
        self._search = faiss.IndexScalarQuantizer(
            vectors.shape[1] if vectors.ndim == 2 else 1,
            faiss.ScalarQuantizer.QT_fp16,
            faiss.METRIC_INNER_PRODUCT,
        )
        if len(vectors):
            self._search.add(np.ascontiguousarray(vectors, dtype=np.float32))
        self._key_rows = {k: i for i, k in enumerate(keys)}
        self._languages = [detect_language(surface) for surface in surfaces]

    def __len__(self) -> int:
        return len(self.keys)

    def has(self, key: str) -> bool:
        return key in self._key_rows

    @property
    def vectors(self) -> np.ndarray:
        """The whole table as float16, decoded from the search index (exactly)."""
        if not len(self):
            return np.zeros((0, self._search.d), dtype=np.float16)
        return self._search.reconstruct_n(0, len(self)).astype(np.float16)

    @classmethod
    def build(
        cls,
        texts: list[str],
        embedder: Embedder,
        previous: TermTranslator | None = None,
        limit: int = 100_000,
        on_total: Callable[[int], None] | None = None,
        on_progress: Callable[[int], None] | None = None,
    ) -> TermTranslator:
        """Embed each corpus term once; terms already in `previous` are reused."""
        surfaces: dict[str, Counter[str]] = {}
        frequency: Counter[str] = Counter()
        for text in texts:
            for surface, key in content_words(text):
                frequency[key] += 1
                surfaces.setdefault(key, Counter())[surface] += 1
        keys = [k for k, _ in frequency.most_common(limit)]
        chosen = [surfaces[k].most_common(1)[0][0] for k in keys]
        dim = embedder.dim
        vectors = np.zeros((len(keys), dim), dtype=np.float32)
        missing = []
        old = previous.vectors if previous is not None else None
        for i, (key, surface) in enumerate(zip(keys, chosen, strict=True)):
            row = previous._key_rows.get(key) if previous is not None else None
            if row is not None and previous.surfaces[row] == surface:
                vectors[i] = old[row]
            else:
                missing.append(i)
        if on_total:
            on_total(len(missing))
        for start in range(0, len(missing), EMBED_BATCH):
            rows = missing[start : start + EMBED_BATCH]
            vectors[rows] = embedder.embed_queries([chosen[i] for i in rows])
            if on_progress:
                on_progress(len(rows))
        return cls(chosen, keys, vectors)

    def translate(self, words: list[str], embedder: Embedder) -> list[list[Translation]]:
        """Nearest corpus terms for each word; an empty list where none is close."""
        if not words or not len(self):
            return [[] for _ in words]
        queries = np.ascontiguousarray(embedder.embed_queries(words), dtype=np.float32)
        sims, rows = self._search.search(queries, min(SEARCH_DEPTH, len(self)))
        out = []
        for word, row_sims, row_ids in zip(words, sims, rows, strict=True):
            language = detect_language(word)
            options = [
                (float(sim), int(i))
                for sim, i in zip(row_sims, row_ids, strict=True)
                if i >= 0 and sim >= self._floor(language, int(i))
            ][:MAX_PER_WORD]
            best = options[0][0] if options else 0.0
            out.append(
                [
                    Translation(self.surfaces[i], self.keys[i], sim)
                    for sim, i in options
                    if sim >= best - TIE_MARGIN
                ]
            )
        return out

    def _floor(self, language: str, row: int) -> float:
        same = self._languages[row] == language
        return SAME_SCRIPT_MIN_SIMILARITY if same else MIN_SIMILARITY

    def save(self, directory: Path) -> None:
        payload = {"surfaces": self.surfaces, "keys": self.keys}
        (Path(directory) / VOCAB_WORDS).write_text(json.dumps(payload, ensure_ascii=False), "utf-8")
        np.save(Path(directory) / VOCAB_VECTORS, self.vectors, allow_pickle=False)

    @classmethod
    def load(cls, directory: Path) -> TermTranslator:
        payload = json.loads((Path(directory) / VOCAB_WORDS).read_text("utf-8"))
        vectors = np.load(Path(directory) / VOCAB_VECTORS, allow_pickle=False)
        if len(vectors) != len(payload["keys"]):
            raise ValueError("term vectors do not match the term list")
        return cls(payload["surfaces"], payload["keys"], vectors)
