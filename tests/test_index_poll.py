"""`QAService.reload_if_changed`: what `RAG_INDEX_POLL_SECONDS` runs on each tick."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import HashEmbedder, build, service_for, write_seeds

from rag.errors import RagError
from rag.index.store import IndexStore


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, Path, HashEmbedder]:
    embedder = HashEmbedder()
    seeds = write_seeds(tmp_path / "seeds", arabic=False)
    index = tmp_path / "index"
    build(seeds, index, embedder)
    return seeds, index, embedder


def rebuild(seeds: Path, index: Path, embedder) -> str:
    (seeds / "extra.en.txt").write_text(
        "A new article\n\nThe harbour opened a second pier this spring.\n", encoding="utf-8"
    )
    return build(seeds, index, embedder).generation


def test_nothing_happens_while_current_is_unchanged(built) -> None:
    _, index, embedder = built
    assert service_for(index, embedder).reload_if_changed() is None


def test_a_changed_current_is_loaded(built) -> None:
    seeds, index, embedder = built
    service = service_for(index, embedder)
    generation = rebuild(seeds, index, embedder)
    assert service.reload_if_changed() == generation
    assert service.health().index == generation


def test_a_broken_new_generation_is_tried_once_and_the_old_keeps_serving(built) -> None:
    _, index, embedder = built
    service = service_for(index, embedder)
    served = service.health().index
    (index / "CURRENT").write_text("gen-19700101T000000-garbage\n", encoding="utf-8")
    with pytest.raises(RagError):
        service.reload_if_changed()
    assert service.reload_if_changed() is None  # not retried on every tick
    assert service.health().index == served and "reload failed" in service.health().detail


def test_current_name_reads_the_pointer_without_loading(built) -> None:
    _, index, _ = built
    assert IndexStore(index).current_name() == IndexStore(index).current_path().name


def test_an_unreadable_current_is_reported_and_looked_at_again(built) -> None:
    seeds, index, embedder = built
    service = service_for(index, embedder)
    (index / "CURRENT").write_text("\n", encoding="utf-8")  # half-written by hand
    assert service.reload_if_changed() is None
    assert "reload failed" in service.health().detail
    generation = rebuild(seeds, index, embedder)
    assert service.reload_if_changed() == generation
