"""make bench: the focus step's cost counts the questions it focused."""

from __future__ import annotations

from pathlib import Path

from helpers import HashEmbedder, build
from test_focus import EINSTEIN, LAKE, QUESTION

from rag.bench.focus import focus_cost
from rag.index.store import IndexStore


def test_only_a_question_naming_its_articles_title_is_focused(tmp_path: Path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "einstein.en.md").write_text(EINSTEIN, encoding="utf-8")
    (seeds / "lake.en.md").write_text(LAKE, encoding="utf-8")
    embedder = HashEmbedder(dim=4096)
    build(seeds, tmp_path / "index", embedder)
    index = IndexStore(tmp_path / "index").load()
    result = focus_cost(index, embedder, [QUESTION, "Where did the students swim?"])
    assert result["questions"] == 2
    assert result["focused"] == 1
    assert result["focus_mean_ms"] > 0 and result["plain_mean_ms"] > 0
