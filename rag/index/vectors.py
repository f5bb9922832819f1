"""The FAISS vector index: exact while that is fast enough, HNSW beyond.

Vectors are L2-normalised, so inner product is cosine similarity. The FAISS
index is the only copy of the passage vectors: incremental rebuilds read
them back with `reconstruct_n` rather than keeping a second array on disk.
"""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

# Chosen from `make bench` figures (2-core AMD EPYC under background load;
# vectors derived from real e5 embeddings, queries 1/3 English over the Arabic
# corpus, see rag/bench/scaling.py; full table in docs/performance.md):
#
#   passages  flat p50  HNSW p50  HNSW recall@10 (en / ar)   M=48 efC=128 efS=512
#      10k    0.23 ms   0.90 ms   0.999
#      20k    0.63 ms   1.43 ms   0.999
#     100k    5.5 ms    2.6 ms    0.973 (0.93 / 0.99)
#
# * Switch point: exact search is faster than this HNSW up to past 20k
#   passages, never misses, and stays under 1 ms there; beyond, it grows
#   linearly (0.055 us per passage: 5.5 ms at 100k, over the 5 ms target)
#   while HNSW barely moves. By that slope the two cross near 35-40k, so 20k
#   leaves exact search a margin on a noisier day.
# * English questions over Arabic text sit off the corpus, where a graph
#   search finds fewer true neighbours: at 100k they set the parameters.
#   Measured at 100k (recall@10 all / English, p50):
#     M=32 efC=128: efS 512 0.952 / 0.88 2.4 ms; efS 1024 0.984 / 0.96 4.2 ms
#     M=32 efC=200: efS 512 0.966 / 0.92 2.1 ms; build 152 s
#     M=48 efC=128: efS 512 0.973 / 0.93 2.5 ms; build 84 s   <- chosen
#   M=48 costs 400 bytes of links per passage on top of the 1536 of the vector
#   (1936 bytes per passage against 1536 for exact search).
EXACT_SEARCH_LIMIT = 20_000  # the default of Settings.exact_search_limit
HNSW_M = 48
HNSW_EF_CONSTRUCTION = 128
HNSW_EF_SEARCH = 512


def build_vector_index(vectors: np.ndarray, exact_limit: int) -> faiss.Index:
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    dim = vectors.shape[1]
    if len(vectors) <= exact_limit:
        index: faiss.Index = faiss.IndexFlatIP(dim)
    else:
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    index.add(vectors)
    return index


def index_kind(index: faiss.Index) -> str:
    return "hnsw" if isinstance(index, faiss.IndexHNSW) else "flat"


def write_vector_index(index: faiss.Index, path: Path) -> None:
    faiss.write_index(index, str(path))


def read_vector_index(path: Path) -> faiss.Index:
    index = faiss.read_index(str(path))
    if isinstance(index, faiss.IndexHNSW):
        index.hnsw.efSearch = HNSW_EF_SEARCH
    return index


def all_vectors(index: faiss.Index) -> np.ndarray:
    if index.ntotal == 0:
        return np.zeros((0, index.d), dtype=np.float32)
    return index.reconstruct_n(0, index.ntotal)


def search(
    index: faiss.Index, queries: np.ndarray, k: int, within: range | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(scores, rows) for each query, among rows `within` if given; rows are -1 past the end."""
    k = max(1, min(k, index.ntotal if within is None else len(within)))
    queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
    params = None
    if within is not None:
        selector = faiss.IDSelectorRange(within.start, within.stop)
        if isinstance(index, faiss.IndexHNSW):
            params = faiss.SearchParametersHNSW(sel=selector, efSearch=HNSW_EF_SEARCH)
        else:
            params = faiss.SearchParameters(sel=selector)
    if len(queries) > 1:
        return index.search(queries, k, params=params)
    # One query (every request) runs on one OpenMP thread. FAISS would split an
    # exact scan over both cores, but in a server the other core is busy
    # embedding, and each parallel region then stalls until the descheduled
    # thread runs. `make bench` under background load, flat search p50 on one
    # thread against FAISS's default two: 0.19 vs 16 ms at 10k passages, 0.75
    # vs 2.8 ms at 20k, 5.9 vs 24 ms at 100k (in a quiet spell they match).
    # HNSW answers one query on one thread anyway. The setting is per calling
    # thread (an OpenMP ICV), so it is restored afterwards.
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        return index.search(queries, k, params=params)
    finally:
        faiss.omp_set_num_threads(threads)
