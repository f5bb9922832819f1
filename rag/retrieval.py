"""Hybrid retrieval: dense paragraph + sentence similarity, fused with BM25.

The fusion rule, and why:

* Dense similarity is the backbone: it is the only signal that works across
  languages (an English question over an Arabic article shares no words with
  it).
* A paragraph often answers in one sentence among five. Its best sentence's
  similarity (`sentence`) catches that; the paragraph vector (`dense`) keeps the
  context. The semantic score is their mean.
* BM25 over Arabic-normalised, lightly stemmed tokens rewards exact names and
  terms that the small embedding model blurs. Its scores are unbounded, so they
  are divided by the best score among the candidates (0..1), and its weight is
  scaled by the question's *coverage*: the share of the question's terms that
  occur in the corpus at all. An English question over Arabic text has coverage
  0, so raw lexical evidence cannot move it: it ranks exactly as dense alone.
* Question words the corpus lacks are translated to the nearest corpus terms
  in the embedding space (`rag.crosslingual`). A translated word counts half
  as much toward coverage as a word found verbatim: it is weaker evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rag.embeddings import Embedder
from rag.index.store import LoadedIndex
from rag.index.vectors import search as vector_search
from rag.text.arabic import content_words

MODES = ("hybrid", "dense", "lexical")
TYPICAL_SAMPLE = 2048


@dataclass(frozen=True)
class RetrievalConfig:
    mode: str = "hybrid"
    candidates: int = 50
    lexical_weight: float = 0.05
    translated_weight: float = 0.5
    sentence_weight: float = 0.0


@dataclass(frozen=True)
class ScoredPassage:
    row: int
    score: float
    dense: float
    sentence: float
    lexical: float
    best_sentence: int | None  # row in the sentence table


class Retriever:
    def __init__(
        self,
        index: LoadedIndex,
        config: RetrievalConfig | None = None,
        embedder: Embedder | None = None,
    ) -> None:
        self.index = index
        self.config = config or RetrievalConfig()
        self.embedder = embedder
        # A fixed, evenly spread sample of sentences stands in for "a typical
        # sentence of this corpus" (see answering.py), at a bounded cost.
        total = len(index.sentences.starts)
        count = min(total, TYPICAL_SAMPLE)
        rows = np.linspace(0, total - 1, count).astype(np.int64) if count else np.zeros(0, int)
        self._typical = np.ascontiguousarray(index.sentences.vectors[rows])

    def typical_sentence_similarity(self, query_vector: np.ndarray) -> float:
        if not len(self._typical):
            return 0.0
        return float(np.median(self._typical @ query_vector))

    def lexical_query(self, question: str) -> tuple[dict[str, float], float]:
        """Match keys to score with BM25, and the question's coverage (0..1)."""
        words = content_words(question)
        if not words:
            return {}, 0.0
        lexical = self.index.lexical
        terms = {key: 1.0 for _, key in words if lexical.has_term(key)}
        missing = [surface for surface, key in words if not lexical.has_term(key)]
        translated = 0
        if missing and self.embedder is not None and len(self.index.terms):
            for options in self.index.terms.translate(missing, self.embedder):
                translated += bool(options)
                for option in options:
                    terms.setdefault(option.key, 1.0)
        coverage = (len(words) - len(missing) + self.config.translated_weight * translated) / len(
            words
        )
        return terms, coverage

    def search(self, question: str, query_vector: np.ndarray, k: int) -> list[ScoredPassage]:
        total = len(self.index.passages)
        if total == 0:
            return []
        mode = self.config.mode
        pool = min(total, max(self.config.candidates, k))
        dense_scores, dense_rows = vector_search(self.index.vectors, query_vector, pool)
        dense = {int(r): float(s) for r, s in zip(dense_rows[0], dense_scores[0], strict=True)}
        dense.pop(-1, None)

        lexical_raw, coverage = None, 0.0
        if mode != "dense":
            terms, coverage = self.lexical_query(question)
            lexical_raw = self.index.lexical.scores_for_terms(terms)
        candidates = set(dense)
        if lexical_raw is not None and lexical_raw.any():
            top = np.argsort(-lexical_raw)[:pool]
            candidates.update(int(r) for r in top if lexical_raw[r] > 0)

        rows = np.fromiter(sorted(candidates), dtype=np.int64)
        vectors = self.index.vectors
        dense_values = np.array(
            [
                dense[r] if r in dense else float(vectors.reconstruct(int(r)) @ query_vector)
                for r in rows
            ],
            dtype=np.float32,
        )
        sentence_values, best_sentences = self._best_sentences(rows, query_vector, dense_values)
        if lexical_raw is not None:
            lexical_values = lexical_raw[rows]
            peak = float(lexical_values.max()) if len(lexical_values) else 0.0
            lexical_norm = lexical_values / peak if peak > 0 else np.zeros_like(lexical_values)
        else:
            lexical_norm = np.zeros(len(rows), dtype=np.float32)

        w = self.config.sentence_weight
        semantic = (1 - w) * dense_values + w * sentence_values
        if mode == "dense":
            scores = dense_values
        elif mode == "lexical":
            scores = lexical_norm
        else:
            scores = semantic + self.config.lexical_weight * coverage * lexical_norm

        order = np.lexsort((rows, -scores))[:k]
        return [
            ScoredPassage(
                row=int(rows[i]),
                score=float(scores[i]),
                dense=float(dense_values[i]),
                sentence=float(sentence_values[i]),
                lexical=float(lexical_norm[i]),
                best_sentence=best_sentences[i],
            )
            for i in order
        ]

    def _best_sentences(
        self, rows: np.ndarray, query_vector: np.ndarray, fallback: np.ndarray
    ) -> tuple[np.ndarray, list[int | None]]:
        table = self.index.sentences
        values = fallback.copy()
        best: list[int | None] = []
        for i, row in enumerate(rows):
            sentence_rows = table.rows_of(int(row))
            if len(sentence_rows) == 0:
                best.append(None)
                continue
            sims = table.vectors[sentence_rows] @ query_vector
            j = int(np.argmax(sims))
            values[i] = float(sims[j])
            best.append(int(sentence_rows[j]))
        return values, best
