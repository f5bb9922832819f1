"""The FAISS vector index: exact while that is fast enough, HNSW beyond.

Vectors are L2-normalised, so inner product is cosine similarity. The FAISS
index is the only copy of the passage vectors: incremental rebuilds read
them back with `reconstruct_n` rather than keeping a second array on disk.
"""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

# Chosen from `make bench` figures (2-core AMD EPYC, noisy; vectors derived from
# real e5 embeddings, see rag/bench/scaling.py; full table in docs/performance.md):
#
#   passages  flat p50  HNSW p50  HNSW recall@10    (M=32, efC=128, efSearch=256)
#      10k    0.19 ms   0.31 ms   0.997
#      20k    0.75 ms   0.53 ms   0.995
#     100k    5.9 ms    0.85 ms   0.979             (efSearch 128: 0.955 at 0.44 ms)
#
# * Switch point: exact search is faster than HNSW up to ~10k passages and
#   still under 1 ms (a few percent of one query embedding) at 20k, so exact
#   search, which never misses, is kept up to 20k. Beyond, its cost grows
#   linearly (0.06-0.1 us per passage) while HNSW's barely moves.
# * M=32: at 100k, M=16 reached only 0.918 recall@10 at efSearch 256 (0.76 ms)
#   where M=32 reached 0.98; the graph costs 272 bytes per passage on top of
#   the 1536 of the vector itself (1808 vs 1536 bytes per passage).
# * efConstruction=128: 0.965 recall at efSearch 256 with efC=80, 0.982 with
#   efC=160 (100k); 128 sits between at a 100k build of ~70 s, which is small
#   next to embedding 100k passages.
# * efSearch=256: the first setting with recall@10 >= 0.95 plus margin at 100k
#   (0.979), at 0.85 ms p50, far under the 5 ms target.
EXACT_SEARCH_LIMIT = 20_000  # the default of Settings.exact_search_limit
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 128
HNSW_EF_SEARCH = 256


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


def search(index: faiss.Index, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(scores, rows) for each query; rows are -1 where fewer than k exist."""
    k = max(1, min(k, index.ntotal))
    queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
    if len(queries) > 1:
        return index.search(queries, k)
    # One query (every request) runs on one OpenMP thread. FAISS would split an
    # exact scan over both cores, but in a server the other core is busy
    # embedding, and each parallel region then stalls until the descheduled
    # thread runs. `make bench`, flat search p50 on one thread against FAISS's
    # default two: 0.19 vs 16 ms at 10k passages, 0.75 vs 2.8 ms at 20k, 5.9 vs
    # 24 ms at 100k. (HNSW answers one query on one thread anyway.) The setting
    # is per calling thread (an OpenMP ICV), so it is restored afterwards.
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        return index.search(queries, k)
    finally:
        faiss.omp_set_num_threads(threads)
