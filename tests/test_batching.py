"""Micro-batching: concurrent questions share a batch and get exactly their own answer."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from conftest import hermetic_settings
from helpers import QUESTIONS, SEEDS, HashEmbedder, build, real_embedder

from rag.embeddings.batching import BatcherClosedError, MicroBatcher
from rag.query.analyse import analyse
from rag.query.embed import QueryEmbedder
from rag.service import QAService

# The dev questions mix Arabic and English, short and long.
DEV_QUESTIONS = [
    *QUESTIONS,
    "Who wrote this article?",
    "ما هي أهداف زيارة بوتين إلى بكين؟",
    "Which city will Putin visit besides Beijing?",
    "what did the two leaders sign?",
    "ما الذي يحتاجه بوتين من الصين؟",
    "Why does Putin need China?",
]


class GatedEncoder:
    """Records each batch; the first call blocks until `release` is set.

    While the worker is stuck in the first call, the test queues more texts,
    so the second batch deterministically holds all of them (no timing).
    """

    def __init__(self, fail_on: str | None = None) -> None:
        self.batches: list[list[str]] = []
        self.entered = threading.Event()
        self.release = threading.Event()
        self.fail_on = fail_on

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.batches.append(list(texts))
        if len(self.batches) == 1:
            self.entered.set()
            assert self.release.wait(10), "test never released the encoder"
        if self.fail_on in texts:
            raise ValueError(f"cannot embed {self.fail_on!r}")
        return np.array([[len(t), ord(t[0])] for t in texts], dtype=np.float32)


def expected(text: str) -> np.ndarray:
    return np.array([len(text), ord(text[0])], dtype=np.float32)


@pytest.fixture
def gated():
    encoder = GatedEncoder()
    batcher = MicroBatcher(encoder, max_size=8, max_wait_ms=0)
    yield encoder, batcher
    encoder.release.set()
    batcher.close()


def block_worker(encoder: GatedEncoder, batcher: MicroBatcher):
    first = batcher.submit("first")
    assert encoder.entered.wait(10)
    return first


def test_a_group_is_never_split_across_engine_calls(gated) -> None:
    encoder, batcher = gated
    batcher.max_size = 2  # items per batch: a group counts as one item
    first = block_worker(encoder, batcher)
    alone = batcher.submit("alone")
    group = batcher.submit_group(["q", "w1", "w2"])
    encoder.release.set()
    rows = group.result(5)
    for row, text in zip(rows, ["q", "w1", "w2"], strict=True):
        assert np.array_equal(row, expected(text))
    assert np.array_equal(alone.result(5), expected("alone"))
    assert np.array_equal(first.result(5), expected("first"))
    assert encoder.batches == [["first"], ["alone", "q", "w1", "w2"]]


def test_queued_texts_share_one_batch_and_get_their_own_rows(gated) -> None:
    encoder, batcher = gated
    first = block_worker(encoder, batcher)
    texts = [f"text {'x' * i}" for i in range(5)]
    futures = [batcher.submit(t) for t in texts]
    encoder.release.set()
    assert np.array_equal(first.result(5), expected("first"))
    for text, future in zip(texts, futures, strict=True):
        assert np.array_equal(future.result(5), expected(text))
    assert encoder.batches == [["first"], texts]


def test_batches_never_exceed_max_size(gated) -> None:
    encoder, batcher = gated
    first = block_worker(encoder, batcher)
    futures = [batcher.submit(f"q{i}") for i in range(20)]
    encoder.release.set()
    first.result(5)
    for i, future in enumerate(futures):
        assert np.array_equal(future.result(5), expected(f"q{i}"))
    assert [len(b) for b in encoder.batches] == [1, 8, 8, 4]


def test_an_encoder_error_reaches_every_waiter_and_the_worker_survives() -> None:
    encoder = GatedEncoder(fail_on="bad")
    batcher = MicroBatcher(encoder, max_size=8, max_wait_ms=0)
    try:
        first = block_worker(encoder, batcher)
        doomed = [batcher.submit(t) for t in ("good", "bad", "fine")]
        encoder.release.set()
        first.result(5)
        for future in doomed:
            with pytest.raises(ValueError, match="cannot embed 'bad'"):
                future.result(5)
        assert np.array_equal(batcher.embed("later"), expected("later"))
    finally:
        encoder.release.set()
        batcher.close()


def test_a_wrongly_shaped_result_is_an_error_not_a_misrouted_vector() -> None:
    batcher = MicroBatcher(lambda texts: np.zeros((len(texts) + 1, 2), np.float32))
    try:
        first = batcher.submit("a")
        with pytest.raises(RuntimeError, match="shape"):
            first.result(5)
    finally:
        batcher.close()


def test_a_cancelled_question_is_skipped(gated) -> None:
    encoder, batcher = gated
    first = block_worker(encoder, batcher)
    cancelled = batcher.submit("cancelled")
    kept = batcher.submit("kept")
    assert cancelled.cancel()
    encoder.release.set()
    first.result(5)
    assert np.array_equal(kept.result(5), expected("kept"))
    assert encoder.batches[1] == ["kept"]


def test_close_finishes_queued_work_then_refuses_more(gated) -> None:
    encoder, batcher = gated
    first = block_worker(encoder, batcher)
    queued = batcher.submit("queued")
    closer = threading.Thread(target=batcher.close)
    closer.start()
    encoder.release.set()
    closer.join(10)
    assert not closer.is_alive()
    assert np.array_equal(first.result(5), expected("first"))
    assert np.array_equal(queued.result(5), expected("queued"))
    with pytest.raises(BatcherClosedError):
        batcher.submit("too late")
    assert batcher._thread is not None and not batcher._thread.is_alive()
    batcher.close()  # idempotent


def test_close_without_any_question_starts_no_thread() -> None:
    batcher = MicroBatcher(lambda texts: np.zeros((len(texts), 2), np.float32))
    batcher.close()
    assert batcher._thread is None


def test_many_threads_each_get_their_own_vector() -> None:
    embedder = HashEmbedder()
    batcher = MicroBatcher(embedder.embed_queries, max_size=4, max_wait_ms=1)
    texts = [f"question number {i} about topic {i % 7}" for i in range(64)]
    try:
        with ThreadPoolExecutor(16) as pool:
            results = list(pool.map(batcher.embed, texts))
    finally:
        batcher.close()
    for text, vector in zip(texts, results, strict=True):
        assert np.array_equal(vector, embedder.embed_queries([text])[0])


# -- the real model: batched vectors and answers equal single-query ones ------


@pytest.fixture(scope="module")
def real_index(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("batching-index")
    build(SEEDS, path, real_embedder())
    return path


def concurrently(fn, items: list[str], threads: int = 8) -> list:
    start = threading.Barrier(threads)

    def call(item: str):
        return fn(item)

    def worker(chunk: list[tuple[int, str]], out: dict) -> None:
        start.wait()
        for i, item in chunk:
            out[i] = call(item)

    out: dict = {}
    chunks = [list(enumerate(items))[i::threads] for i in range(threads)]
    workers = [threading.Thread(target=worker, args=(c, out)) for c in chunks]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    return [out[i] for i in range(len(items))]


def test_real_model_batched_vectors_equal_single_queries() -> None:
    embedder = real_embedder()
    singles = [embedder.embed_queries([q])[0] for q in DEV_QUESTIONS]
    # Gate the real encoder so the rest provably arrive as one engine batch.
    encoder = GatedEncoder()

    def encode(texts: list[str]) -> np.ndarray:
        encoder(texts)
        return embedder.embed_queries(texts)

    batcher = MicroBatcher(encode, max_size=32, max_wait_ms=0)
    try:
        first = batcher.submit(DEV_QUESTIONS[0])
        assert encoder.entered.wait(10)
        rest = [batcher.submit(q) for q in DEV_QUESTIONS[1:]]
        encoder.release.set()
        batched = [first.result(30)] + [f.result(30) for f in rest]
    finally:
        encoder.release.set()
        batcher.close()
    assert [len(b) for b in encoder.batches] == [1, len(DEV_QUESTIONS) - 1]
    for single, vector in zip(singles, batched, strict=True):
        np.testing.assert_allclose(vector, single, atol=1e-5)


def test_real_model_concurrent_answers_equal_sequential_unbatched_ones(real_index: Path) -> None:
    embedder = real_embedder()
    plain = QAService(
        hermetic_settings(index_dir=real_index, batch_max_size=1, cache_size=0), embedder=embedder
    )
    batched = QAService(
        hermetic_settings(
            index_dir=real_index, batch_max_size=32, batch_max_wait_ms=5, cache_size=0
        ),
        embedder=embedder,
    )
    plain.load()
    batched.load()
    try:
        sequential = [plain.ask(q, 5) for q in DEV_QUESTIONS]
        together = concurrently(lambda q: batched.ask(q, 5), DEV_QUESTIONS)
    finally:
        batched.close()
    for one, other in zip(sequential, together, strict=True):
        assert [p.citation.id for p in one.passages] == [p.citation.id for p in other.passages]
        assert [p.highlight for p in one.passages] == [p.highlight for p in other.passages]
        np.testing.assert_allclose(
            [p.score for p in one.passages], [p.score for p in other.passages], atol=1e-4
        )
        assert one.answer == other.answer


# -- what retrieval embeds: batched, and cached per text ----------------------


@pytest.mark.parametrize("batched", [True, False])
def test_query_embedder_returns_the_model_vectors_and_caches_words(batched: bool) -> None:
    embedder = HashEmbedder()
    batcher = MicroBatcher(embedder.embed_queries, max_size=8) if batched else None
    query_embedder = QueryEmbedder(embedder, batcher, cache_size=16)
    languages = frozenset({"ar", "en"})
    first_query = analyse("Harbin visit Harbin pipeline", languages)
    again_query = analyse("pipeline Harbin", languages)
    try:
        first = query_embedder.embed(first_query)
        again = query_embedder.embed(again_query)
    finally:
        if batcher is not None:
            batcher.close()
    reference = HashEmbedder()
    np.testing.assert_array_equal(first.question, reference.embed_queries([first_query.text])[0])
    for word in ("Harbin", "visit", "pipeline"):
        np.testing.assert_array_equal(first.words[word], reference.embed_queries([word])[0])
        if word in again.words:
            np.testing.assert_array_equal(again.words[word], first.words[word])
    embedded = [t for batch in embedder.query_batches for t in batch]
    # Each word once; the second question embeds alone, its words cached.
    assert sorted(embedded) == sorted(
        [first_query.text, "Harbin", "visit", "pipeline", "pipeline Harbin"]
    )


class _Recording:
    """The real embedder, recording each engine call's query texts."""

    def __init__(self, inner) -> None:
        self.name, self.dim, self._inner = inner.name, inner.dim, inner
        self.query_calls: list[list[str]] = []

    def embed_queries(self, texts):
        self.query_calls.append(list(texts))
        return self._inner.embed_queries(texts)

    def embed_passages(self, texts):
        return self._inner.embed_passages(texts)


@pytest.mark.parametrize("batch_max_size", [1, 32])
def test_question_and_its_words_to_translate_share_one_engine_call(
    make_settings, embedder, batch_max_size
):
    from rag.service import QAService

    recording = _Recording(embedder)
    qa = QAService(make_settings(batch_max_size=batch_max_size, cache_size=0), embedder=recording)
    qa.load()
    try:
        recording.query_calls.clear()
        question = "Which city will Putin visit besides Beijing?"
        words = list(analyse(question, qa.snapshot().index.languages).to_translate)
        qa.ask(question, 3)
        assert words
        assert recording.query_calls == [[question, *words]]
        # The words are cached now: the next question embeds alone.
        qa.ask(question + " Tell me.", 3)
        assert recording.query_calls[-1][0] == question + " Tell me."
        assert not set(recording.query_calls[-1]) & set(words)
    finally:
        qa.close()
