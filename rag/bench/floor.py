"""In process: the floor (one embedding, one search), the batch ceiling, and
lock versus micro-batching under concurrency."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np

from rag.bench.common import (
    QuestionSource,
    encoder_gflop,
    is_english,
    peak_gflops,
    summary,
    timed,
)
from rag.embeddings import Embedder
from rag.embeddings.batching import MicroBatcher
from rag.index.vectors import search as vector_search
from rag.query.analyse import analyse
from rag.service import QAService

CEILING_BATCH = 32


def mean_tokens(embedder: Embedder, questions: list[str]) -> float | None:
    """Tokens the model sees per question (prefix and specials included), if knowable."""
    model = getattr(embedder, "_model", None)
    if model is None or not hasattr(model, "token_count"):
        return None
    return float(np.mean([model.token_count(q, True) for q in questions]))


def floor(service: QAService, questions: QuestionSource, n: int = 200) -> dict:
    """One embedding, one search, the whole `ask`, and a batch of 32, interleaved.

    Measured in rounds (a few of each, then again) so that the ratios between
    them hold even when the machine's background load drifts during the run.
    """
    embedder = service.embedder
    snapshot = service.snapshot()
    warm = questions.take(10)
    embedder.embed_queries(warm)
    for q in warm:
        embedder.embed_queries([q])

    embed_s: list[float] = []
    ask_s: list[float] = []
    asked_all: list[str] = []
    batch_s: list[float] = []
    per_round = 10
    for _ in range(max(1, n // per_round)):
        single = questions.take(per_round)
        embed_s += timed(lambda i, b=single: embedder.embed_queries([b[i]]), per_round)
        # The whole core pipeline without HTTP, uncached: where the rest of a
        # request's time goes (retrieval, highlights, the response model).
        asked = questions.take(per_round)
        ask_s += timed(lambda i, b=asked: service.ask(b[i], 3), per_round)
        asked_all += asked
        batch = questions.take(CEILING_BATCH)
        batch_s += [
            t / CEILING_BATCH for t in timed(lambda i, b=batch: embedder.embed_queries(b), 1)
        ]
    embed = summary(embed_s)
    ask = summary(ask_s)
    per_question_s = float(np.median(batch_s))

    sample = questions.take(50)
    vectors = embedder.embed_queries(sample)
    index = snapshot.index.vectors
    search = summary(timed(lambda i: vector_search(index, vectors[i % 50], 3), 1000))
    # Analyse, translate and retrieve, on vectors embedded beforehand.
    queries = [analyse(q, snapshot.index.languages) for q in sample]
    query_vectors = [service.query_embedder.embed(q) for q in queries]
    retrieve_s = timed(
        lambda i: snapshot.retriever.retrieve(queries[i % 50], query_vectors[i % 50], 3), 500
    )
    retrieve = summary(retrieve_s)
    # English questions over the Arabic article cost more: retrieval embeds
    # their words to translate them (rag.index.terms), a second engine call.
    by_language = {
        "ask_en": summary([t for t, q in zip(ask_s, asked_all, strict=True) if is_english(q)]),
        "ask_ar": summary([t for t, q in zip(ask_s, asked_all, strict=True) if not is_english(q)]),
        "retrieve_en": summary([t for i, t in enumerate(retrieve_s) if is_english(sample[i % 50])]),
        "retrieve_ar": summary(
            [t for i, t in enumerate(retrieve_s) if not is_english(sample[i % 50])]
        ),
    }

    peak = peak_gflops()
    tokens = mean_tokens(embedder, sample)
    result = {
        "embed": embed,
        "search": search,
        "retrieve": retrieve,
        "ask_in_process": ask,
        **by_language,
        "floor_p50_ms": round(embed["p50_ms"] + search["p50_ms"], 3),
        "batch32_ms_per_question": round(per_question_s * 1000, 3),
        "ceiling_qps": round(1.0 / per_question_s, 1),
        "single_over_batch32": round(embed["p50_ms"] / (per_question_s * 1000), 3),
        "peak_gflops": round(peak, 1),
        "mean_tokens": tokens,
    }
    if tokens is not None:
        gflop = encoder_gflop(tokens)
        limit_ms = gflop / peak * 1000
        result.update(
            gflop_per_question=round(gflop, 3),
            arithmetic_limit_ms=round(limit_ms, 3),
            embed_over_limit=round(embed["p50_ms"] / limit_ms, 2),
            batch32_over_limit=round(per_question_s * 1000 / limit_ms, 2),
        )
    return result


def _drive(embed: Callable[[str], object], questions: list[str], clients: int) -> dict:
    """`clients` threads embed the questions between them, each one at a time."""
    latencies: list[float] = []
    lock = threading.Lock()
    shares = [questions[i::clients] for i in range(clients)]
    start_gate = threading.Barrier(clients + 1)

    def client(share: list[str]) -> None:
        mine = []
        start_gate.wait()
        for q in share:
            t0 = time.perf_counter()
            embed(q)
            mine.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(s,)) for s in shares]
    for t in threads:
        t.start()
    start_gate.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return {"qps": round(len(questions) / wall, 1), **summary(latencies)}


def lock_vs_batch(
    service: QAService,
    questions: QuestionSource,
    levels: tuple[int, ...] = (1, 4, 16),
    per_level: int = 160,
    rounds: int = 2,
) -> dict:
    """Embedding throughput and latency of the two designs, interleaved per level.

    "lock": each client calls the engine itself and the engine's lock queues
    them (every question runs alone, on all cores). "batch": the service's
    micro-batcher with its configured size and wait.
    """
    embedder = service.embedder
    settings = service.settings
    batcher = MicroBatcher(
        embedder.embed_queries, settings.batch_max_size, settings.batch_max_wait_ms
    )
    designs: dict[str, Callable[[str], object]] = {
        "lock": lambda q: embedder.embed_queries([q]),
        "batch": batcher.embed,
    }
    out: dict[str, dict[str, dict]] = {name: {} for name in designs}
    try:
        for clients in levels:
            runs: dict[str, list[dict]] = {name: [] for name in designs}
            # Alternate the designs so that a noisy spell hurts both alike.
            items, batches = batcher.items, batcher.batches
            for _ in range(rounds):
                for name, embed in designs.items():
                    runs[name].append(_drive(embed, questions.take(per_level), clients))
            for name, results in runs.items():
                best = max(results, key=lambda r: r["qps"])
                out[name][str(clients)] = {**best, "qps_runs": [r["qps"] for r in results]}
            done = batcher.batches - batches
            out["batch"][str(clients)]["mean_batch_size"] = round(
                (batcher.items - items) / done if done else 0.0, 2
            )
    finally:
        batcher.close()
    ratios = {
        str(c): round(out["batch"][str(c)]["qps"] / out["lock"][str(c)]["qps"], 3) for c in levels
    }
    return {
        **out,
        "batch_over_lock_qps": ratios,
        "batch_max_size": settings.batch_max_size,
        "batch_max_wait_ms": settings.batch_max_wait_ms,
    }
