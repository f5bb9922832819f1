"""Okapi BM25 lexical index over the match keys of ``rag.text.arabic.tokenize``.

Written here on numpy + scipy.sparse rather than taken from a BM25 package:

- the analyzer is our own (Arabic normalisation and light stemming), so a
  library's tokenizer would be bypassed anyway;
- the index lives as plain arrays inside our own atomically written index
  directory, next to the vectors, with no pickle;
- it adds no dependency beyond numpy/scipy, which the vector side needs.

Term weights are precomputed at build time into a term-major (CSC) matrix, so
a query touches only the postings of its own terms.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from rag.text.arabic import ANALYZER_VERSION, tokenize

MATRIX_FILE = "bm25.npz"
VOCAB_FILE = "bm25_vocab.json"
FORMAT_VERSION = 1


class BM25Index:
    """Precomputed BM25 weights: ``weights[doc, term]``, one column per term."""

    def __init__(self, weights: sp.csc_matrix, vocabulary: list[str], k1: float, b: float) -> None:
        self._weights = weights
        self._terms = vocabulary
        self._ids = {term: i for i, term in enumerate(vocabulary)}
        self.k1 = k1
        self.b = b

    @classmethod
    def build(cls, texts: list[str], k1: float = 1.2, b: float = 0.75) -> BM25Index:
        vocabulary: dict[str, int] = {}
        term_ids: list[int] = []
        lengths = np.zeros(len(texts), dtype=np.int64)
        for row, text in enumerate(texts):
            tokens = tokenize(text)
            lengths[row] = len(tokens)
            term_ids.extend(vocabulary.setdefault(t, len(vocabulary)) for t in tokens)
        rows = np.repeat(np.arange(len(texts), dtype=np.int32), lengths)
        cols = np.asarray(term_ids, dtype=np.int32)
        # COO -> CSC sums duplicate (doc, term) pairs into term frequencies.
        tf = sp.coo_matrix(
            (np.ones(len(cols), dtype=np.float32), (rows, cols)),
            shape=(len(texts), len(vocabulary)),
        ).tocsc()
        tf.sum_duplicates()
        weights = _bm25_weights(tf, lengths, k1, b)
        return cls(weights, list(vocabulary), k1, b)

    def __len__(self) -> int:
        return self._weights.shape[0]

    @property
    def vocabulary_size(self) -> int:
        return len(self._terms)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every text for ``query`` (float32, zeros if nothing matches)."""
        # Each distinct query term counts once: repeating a word in a question
        # should not double its weight.
        return self.scores_for_terms(dict.fromkeys(tokenize(query), 1.0))

    def scores_for_terms(self, terms: dict[str, float]) -> np.ndarray:
        """BM25 scores for match keys, each scaled by its weight (e.g. a translation's)."""
        out = np.zeros(len(self), dtype=np.float32)
        w = self._weights
        for term, weight in terms.items():
            col = self._ids.get(term)
            if col is not None:
                lo, hi = w.indptr[col], w.indptr[col + 1]
                out[w.indices[lo:hi]] += weight * w.data[lo:hi]
        return out

    def idf_of(self, key: str) -> float:
        """The key's idf; a key the corpus lacks gets the largest idf there is (df 0)."""
        col = self._ids.get(key)
        df = 0 if col is None else self._weights.indptr[col + 1] - self._weights.indptr[col]
        return float(_idf(len(self), df))

    def rows_with(self, key: str) -> np.ndarray:
        """The rows (passages) that contain `key`: its postings."""
        col = self._ids.get(key)
        if col is None:
            return np.zeros(0, dtype=np.int32)
        return self._weights.indices[self._weights.indptr[col] : self._weights.indptr[col + 1]]

    def has_term(self, key: str) -> bool:
        return key in self._ids

    def save(self, directory: Path) -> None:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        w = self._weights
        np.savez(
            directory / MATRIX_FILE,
            indptr=w.indptr,
            indices=w.indices,
            data=w.data,
            shape=np.asarray(w.shape, dtype=np.int64),
        )
        meta = {
            "format": FORMAT_VERSION,
            "analyzer": ANALYZER_VERSION,
            "k1": self.k1,
            "b": self.b,
            "terms": self._terms,
        }
        (directory / VOCAB_FILE).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> BM25Index:
        """Load an index written by :meth:`save`; ``ValueError`` if unusable."""
        directory = Path(directory)
        meta = json.loads((directory / VOCAB_FILE).read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT_VERSION:
            raise ValueError(f"unsupported BM25 index format {meta.get('format')!r}")
        if meta.get("analyzer") != ANALYZER_VERSION:
            # Keys from another analyzer version would silently stop matching.
            raise ValueError(
                f"BM25 index built with analyzer {meta.get('analyzer')!r}, "
                f"this code uses {ANALYZER_VERSION!r}"
            )
        with np.load(directory / MATRIX_FILE, allow_pickle=False) as arrays:
            shape = tuple(int(n) for n in arrays["shape"])
            weights = sp.csc_matrix(
                (arrays["data"], arrays["indices"], arrays["indptr"]), shape=shape
            )
        terms = meta["terms"]
        if shape[1] != len(terms):
            raise ValueError(f"BM25 index has {shape[1]} columns for {len(terms)} terms")
        return cls(weights, terms, float(meta["k1"]), float(meta["b"]))


def _idf(n_docs: int, df: np.ndarray | int) -> np.ndarray:
    # The "+1" (Lucene) variant keeps idf positive: with the classic formula a
    # term found in over half of a small corpus would count against a passage.
    return np.log1p((n_docs - df + 0.5) / (df + 0.5))


def _bm25_weights(tf: sp.csc_matrix, lengths: np.ndarray, k1: float, b: float) -> sp.csc_matrix:
    n_docs = tf.shape[0]
    df = np.diff(tf.indptr)
    idf = _idf(n_docs, df).astype(np.float32)
    mean_length = float(lengths.mean()) if n_docs and lengths.any() else 1.0
    norm = (k1 * (1.0 - b + b * lengths / mean_length)).astype(np.float32)
    freq = tf.data
    col_idf = np.repeat(idf, df)
    data = col_idf * freq * (k1 + 1.0) / (freq + norm[tf.indices])
    return sp.csc_matrix((data.astype(np.float32), tf.indices, tf.indptr), shape=tf.shape)
