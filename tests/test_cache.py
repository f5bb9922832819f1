"""The answer cache: bounded LRU, keyed so it can never serve a stale index."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import hermetic_settings
from helpers import HashEmbedder, build, write_seeds

from rag.cache import LRUCache, normalise_question
from rag.service import QAService

NEW_ARTICLE = """\
Science

Glaciers of the southern range are retreating

By Ana Ruiz

Meteorologists measured that the southern glaciers lost a third of their ice \
during the last decade, mostly because winter snowfall has become rarer.

Melting ice now feeds the lakes below for a few more summers, but the lakes \
will shrink once the glaciers are gone.
"""

QUESTION = "why are the southern glaciers losing ice?"


# -- the LRU itself ------------------------------------------------------------


def test_lru_evicts_the_least_recently_used() -> None:
    cache: LRUCache[int] = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recent
    cache.put("c", 3)
    assert cache.get("b") is None
    assert cache.get("a") == 1
    assert cache.get("c") == 3
    assert len(cache) == 2


def test_capacity_zero_disables_the_cache() -> None:
    cache: LRUCache[int] = LRUCache(0)
    cache.put("a", 1)
    assert cache.get("a") is None
    assert len(cache) == 0


def test_concurrent_use_stays_bounded_and_consistent() -> None:
    cache: LRUCache[int] = LRUCache(50)

    def hammer(offset: int) -> None:
        for i in range(2000):
            key = (offset + i) % 200
            cache.put(key, key)
            value = cache.get(key)
            assert value is None or value == key

    threads = [threading.Thread(target=hammer, args=(n * 37,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(cache) <= 50


def test_question_normalisation_folds_only_what_the_model_ignores() -> None:
    assert normalise_question("  why  does\tChina\nneed Russia? ") == "why does China need Russia?"
    assert normalise_question("ما هي ﻻ") == normalise_question("ما هي لا")  # NFKC ligature
    assert normalise_question("Why") != normalise_question("why")  # e5 is case-sensitive


# -- the service ---------------------------------------------------------------


@pytest.fixture
def seeded(tmp_path: Path) -> tuple[Path, Path]:
    seeds = write_seeds(tmp_path / "seeds", arabic=False)
    index = tmp_path / "index"
    build(seeds, index, HashEmbedder())
    return seeds, index


def embedded(embedder: HashEmbedder, question: str) -> int:
    """How often `question` itself reached the model.

    Only the question counts: retrieval may also embed single words of it
    (cross-lingual terms), and the service embeds its intent prototypes.
    """
    wanted = question.strip()
    return sum(batch.count(wanted) for batch in embedder.query_batches)


@pytest.fixture
def open_service(seeded) -> Iterator[Callable[..., tuple[QAService, HashEmbedder]]]:
    """`open_service(cache_size=...)`: a loaded service over the seeded index and its own
    HashEmbedder (whose counts start at zero); closed after the test."""
    _, index = seeded
    opened: list[QAService] = []

    def make(cache_size: int = 64) -> tuple[QAService, HashEmbedder]:
        embedder = HashEmbedder()
        svc = QAService(
            hermetic_settings(index_dir=index, cache_size=cache_size), embedder=embedder
        )
        svc.load()
        opened.append(svc)
        return svc, embedder

    yield make
    for svc in opened:
        svc.close()


def test_a_cache_hit_returns_the_same_response_without_embedding(open_service) -> None:
    svc, embedder = open_service()
    first = svc.ask("what do farmers use the rivers for?", 3)
    again = svc.ask("what do farmers use the rivers for?", 3)
    spaced = svc.ask("  what do farmers  use the rivers for? ", 3)
    # The others never reached the model.
    assert embedded(embedder, "what do farmers use the rivers for?") == 1
    assert embedded(embedder, "what do farmers  use the rivers for?") == 0
    assert again.model_dump(exclude={"took_ms"}) == first.model_dump(exclude={"took_ms"})
    assert again.took_ms >= 0
    # A spelling variant shares the answer but echoes the question as it was asked.
    assert spaced.question == "what do farmers  use the rivers for?"
    assert spaced.model_dump(exclude={"took_ms", "question"}) == first.model_dump(
        exclude={"took_ms", "question"}
    )


def test_the_key_includes_top_k_and_the_retrieval_mode(open_service) -> None:
    from rag.query.retrieve import RetrievalConfig

    svc, embedder = open_service()
    three = svc.ask("export licences for photoresists", 3)
    one = svc.ask("export licences for photoresists", 1)
    assert len(one.passages) == 1 and len(three.passages) == 3
    svc.use_retrieval(RetrievalConfig(mode="dense"))
    svc.ask("export licences for photoresists", 3)
    assert embedded(embedder, "export licences for photoresists") == 3


def test_cache_size_zero_always_recomputes(open_service) -> None:
    svc, embedder = open_service(cache_size=0)
    svc.ask("what do farmers use the rivers for?")
    svc.ask("what do farmers use the rivers for?")
    assert embedded(embedder, "what do farmers use the rivers for?") == 2


def test_the_cache_is_invalidated_by_a_reindex_and_reload(seeded, open_service) -> None:
    seeds, index = seeded
    svc, embedder = open_service()
    before = svc.ask(QUESTION, 3)
    assert all(p.citation.document != "glaciers" for p in before.passages)
    assert svc.ask(QUESTION, 3).passages == before.passages  # cached
    assert embedded(embedder, QUESTION) == 1

    (seeds / "glaciers.en.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    build(seeds, index, HashEmbedder())
    svc.reload()

    after = svc.ask(QUESTION, 3)
    assert embedded(embedder, QUESTION) == 2  # recomputed on the new index
    assert after.passages[0].citation.document == "glaciers"
    assert len(svc._answers) == 1  # the old generation's entries were dropped
