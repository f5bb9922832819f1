"""Synthetic corpora of 1k, 10k, 100k passages: index build, memory, search, recall.

Embedding 100k passages with the model would take far longer than the bench
may run, so passage vectors are *derived* from real ones. The run embeds a few
hundred distinct fragments of the article (word windows of its sentences) with
the real model; each synthetic passage joins 2-4 fragments, and its vector is
the normalised weighted sum of their vectors (mean pooling makes a text's
embedding close to that) plus isotropic noise. Without the noise the corpus
spans only the fragments' few hundred directions, which flatters an
approximate index; the noise level is set so that two random passages have a
mean cosine of about 0.76, which is what multilingual-e5 gives two unrelated
real texts (0.77 measured between the Arabic article and unrelated English
ones). Queries are real query embeddings of distinct questions.

Pure random unit vectors were measured too, once, and rejected as a model of
the workload: in 384 dimensions every point is nearly equidistant from every
other, and HNSW (M=32) reaches only 0.77 recall@10 at efSearch 768.

The passage *text* (the joined fragments) feeds the BM25 side, built and
queried here as well.
"""

from __future__ import annotations

import time

import faiss
import numpy as np

from rag.bench.common import ENGLISH_SHARE, distinct_questions, is_english, summary, timed
from rag.embeddings import Embedder
from rag.index import vectors as vec
from rag.index.bm25 import BM25Index

K = 10
EF_GRID = (32, 64, 128, 256, 512)
FRAGMENTS = 512
QUERIES = 200
# Relative norm of the isotropic noise: gives a mean cosine of ~0.76 between
# random passages (see the module docstring).
NOISE = 0.5


class Corpus:
    """Real embeddings of article fragments, and real query embeddings."""

    def __init__(self, embedder: Embedder) -> None:
        texts = distinct_questions(3 * (FRAGMENTS + QUERIES), seed=11)
        # Passages are made of the article's own (Arabic) fragments. Queries are
        # other fragments and English questions, in the bench's language mix:
        # an English query sits off the Arabic corpus, which is harder for HNSW.
        arabic = [t for t in texts if not is_english(t)]
        n_en = round(QUERIES * ENGLISH_SHARE)
        queries = [t for t in texts if is_english(t)][:n_en]
        queries += arabic[FRAGMENTS : FRAGMENTS + QUERIES - n_en]
        arabic = arabic[:FRAGMENTS]
        self.fragments = [t.rstrip("؟") for t in arabic]
        self.base = np.vstack(
            [embedder.embed_passages(self.fragments[i : i + 64]) for i in range(0, FRAGMENTS, 64)]
        )
        self.queries = embedder.embed_queries(queries)
        self.query_texts = queries

    def passages(self, n: int, seed: int) -> tuple[np.ndarray, list[str]]:
        rng = np.random.default_rng(seed)
        parts = rng.integers(2, 5, size=n)
        picks = rng.integers(0, FRAGMENTS, size=(n, 4))
        weights = rng.uniform(0.5, 1.5, size=(n, 4)).astype(np.float32)
        weights[np.arange(4)[None, :] >= parts[:, None]] = 0.0
        vectors = np.einsum("nk,nkd->nd", weights, self.base[picks])
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        noise = rng.standard_normal(vectors.shape).astype(np.float32)
        noise /= np.linalg.norm(noise, axis=1, keepdims=True)
        vectors += NOISE * noise
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        texts = [
            " ".join(self.fragments[j] for j in row[:k])
            for row, k in zip(picks.tolist(), parts.tolist(), strict=True)
        ]
        return np.ascontiguousarray(vectors, dtype=np.float32), texts


def index_bytes(index: faiss.Index) -> int:
    # The serialised size is the index's payload: vectors plus graph links.
    return int(faiss.serialize_index(index).nbytes)


def recall_at_k(found: np.ndarray, truth: np.ndarray) -> float:
    hits = sum(len(set(f) & set(t)) for f, t in zip(found.tolist(), truth.tolist(), strict=True))
    return hits / truth.size


def search_latency(index: faiss.Index, queries: np.ndarray, n: int) -> dict:
    """One query at a time, as a request does, through the product's search path."""
    return summary(timed(lambda i: vec.search(index, queries[i % len(queries)], K), n))


def search_latency_all_threads(index: faiss.Index, queries: np.ndarray, n: int) -> dict:
    """The same, but letting FAISS spread the one query over every core (its default)."""
    return summary(timed(lambda i: index.search(queries[i % len(queries)][None, :], K), n))


def measure_size(corpus: Corpus, n: int, timed_queries: int, exact_limit: int) -> dict:
    data, texts = corpus.passages(n, seed=n)
    queries = corpus.queries
    english = np.array([is_english(q) for q in corpus.query_texts])
    sample = data[: min(n, 2000)]
    row: dict = {
        "passages": n,
        "mean_pairwise_cosine": round(float((sample[::2] @ sample[1::2].T).mean()), 3),
    }

    t0 = time.perf_counter()
    flat = vec.build_vector_index(data, exact_limit=n)  # forced exact
    row["flat_build_s"] = round(time.perf_counter() - t0, 3)
    row["flat_bytes_per_passage"] = round(index_bytes(flat) / n, 1)
    row["flat_search"] = search_latency(flat, queries, timed_queries)
    row["flat_search_all_threads"] = search_latency_all_threads(
        flat, queries, min(timed_queries, 100)
    )
    _, truth = flat.search(queries, K)
    del flat

    t0 = time.perf_counter()
    hnsw = vec.build_vector_index(data, exact_limit=0)  # forced HNSW, production params
    row["hnsw_build_s"] = round(time.perf_counter() - t0, 3)
    row["hnsw_bytes_per_passage"] = round(index_bytes(hnsw) / n, 1)
    sweep = []
    for ef in sorted({*EF_GRID, vec.HNSW_EF_SEARCH}):
        hnsw.hnsw.efSearch = ef
        _, found = hnsw.search(queries, K)
        latency = search_latency(hnsw, queries, timed_queries)
        sweep.append(
            {
                "ef_search": ef,
                "recall_at_10": round(recall_at_k(found, truth), 4),
                "recall_en": round(recall_at_k(found[english], truth[english]), 4),
                "recall_ar": round(recall_at_k(found[~english], truth[~english]), 4),
                **latency,
            }
        )
    chosen = next(s for s in sweep if s["ef_search"] == vec.HNSW_EF_SEARCH)
    row["hnsw_search"] = {k: v for k, v in chosen.items() if not k.startswith(("ef_", "rec"))}
    row["hnsw_recall_at_10"] = chosen["recall_at_10"]
    row["hnsw_recall_en"] = chosen["recall_en"]
    row["hnsw_recall_ar"] = chosen["recall_ar"]
    row["ef_sweep"] = sweep
    row["hnsw_over_flat_p50"] = round(
        row["hnsw_search"]["p50_ms"] / row["flat_search"]["p50_ms"], 3
    )
    row["index_kind"] = "flat" if n <= exact_limit else "hnsw"
    del hnsw

    t0 = time.perf_counter()
    bm25 = BM25Index.build(texts)
    row["bm25_build_s"] = round(time.perf_counter() - t0, 3)
    questions = corpus.query_texts[:50]
    pool = 50

    # What the retriever does with BM25 per request today: score everything,
    # then take the top `pool` by a full sort. Timed with the partial sort it
    # could use instead, to show what that costs at this size.
    def full_sort(i: int) -> None:
        scores = bm25.scores(questions[i % 50])
        np.argsort(-scores)[:pool]

    def partial_sort(i: int) -> None:
        scores = bm25.scores(questions[i % 50])
        np.argpartition(-scores, min(pool, n - 1))[:pool]

    row["lexical_argsort"] = summary(timed(full_sort, 100))
    row["lexical_argpartition"] = summary(timed(partial_sort, 100))
    return row


def scaling(
    embedder: Embedder,
    sizes: tuple[int, ...] = (1_000, 10_000, 100_000),
    timed_queries: int = 300,
    exact_limit: int = vec.EXACT_SEARCH_LIMIT,
    deadline: float | None = None,
) -> dict:
    """Measure each size; one that would run past `deadline` (perf_counter) is skipped."""
    t0 = time.perf_counter()
    corpus = Corpus(embedder)
    setup = time.perf_counter() - t0
    rows: list[dict] = []
    skipped: list[dict] = []
    last: tuple[int, float] | None = None
    for n in sorted(sizes):
        if deadline is not None and last is not None:
            # Cost grows a little faster than linearly (HNSW inserts are log n).
            projected = last[1] * (n / last[0]) * 1.3
            if time.perf_counter() + projected > deadline:
                skipped.append({"passages": n, "projected_s": round(projected, 1)})
                print(f"  {n} passages: skipped, ~{projected:.0f}s would pass the time budget")
                continue
        started = time.perf_counter()
        rows.append(measure_size(corpus, n, timed_queries, exact_limit))
        last = (n, time.perf_counter() - started)
        print(f"  {n} passages: {last[1]:.1f}s", flush=True)
    return {
        "vectors": (
            f"derived from {FRAGMENTS} real fragment embeddings + noise {NOISE}; "
            f"{QUERIES} real query embeddings; text joined from article fragments"
        ),
        "setup_s": round(setup, 2),
        "params": {
            "exact_search_limit": exact_limit,
            "hnsw_m": vec.HNSW_M,
            "hnsw_ef_construction": vec.HNSW_EF_CONSTRUCTION,
            "hnsw_ef_search": vec.HNSW_EF_SEARCH,
        },
        "sizes": rows,
        "skipped": skipped,
        "flat_us_per_passage": _flat_cost(rows),
    }


def _flat_cost(rows: list[dict]) -> float:
    """Microseconds of exact search per passage, from the largest corpus (least overhead)."""
    if not rows:
        return float("nan")
    big = max(rows, key=lambda r: r["passages"])
    return round(big["flat_search"]["p50_ms"] * 1000 / big["passages"], 4)
