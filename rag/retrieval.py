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
  0, so lexical evidence cannot move it: it ranks exactly as dense alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rag.index.store import LoadedIndex
from rag.index.vectors import search as vector_search

MODES = ("hybrid", "dense", "lexical")


@dataclass(frozen=True)
class RetrievalConfig:
    mode: str = "hybrid"
    candidates: int = 50
    lexical_weight: float = 0.15
    sentence_weight: float = 0.5


@dataclass(frozen=True)
class ScoredPassage:
    row: int
    score: float
    dense: float
    sentence: float
    lexical: float
    best_sentence: int | None  # row in the sentence table


class Retriever:
    def __init__(self, index: LoadedIndex, config: RetrievalConfig | None = None) -> None:
        self.index = index
        self.config = config or RetrievalConfig()

    def search(self, question: str, query_vector: np.ndarray, k: int) -> list[ScoredPassage]:
        total = len(self.index.passages)
        if total == 0:
            return []
        mode = self.config.mode
        pool = min(total, max(self.config.candidates, k))
        dense_scores, dense_rows = vector_search(self.index.vectors, query_vector, pool)
        dense = {int(r): float(s) for r, s in zip(dense_rows[0], dense_scores[0], strict=True)}
        dense.pop(-1, None)

        lexical_raw = self.index.lexical.scores(question) if mode != "dense" else None
        coverage = self.index.lexical.query_coverage(question) if mode != "dense" else 0.0
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
