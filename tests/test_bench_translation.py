"""The bench's word-matching figures: both ways on the same questions, and what they count."""

import json
from pathlib import Path

import pytest
from helpers import HashEmbedder, build, write_dictd

from rag.bench.translation import archive_questions, word_matching
from rag.index.store import IndexStore


def write_set(path: Path, questions: list[str]) -> None:
    path.write_text("".join(json.dumps({"question": q}) + "\n" for q in questions), "utf-8")


def test_archive_questions_interleave_the_sets_up_to_the_limit(tmp_path):
    write_set(tmp_path / "a.jsonl", ["a1", "a2", "a3"])
    write_set(tmp_path / "b.jsonl", ["b1", "b2"])
    assert archive_questions(tmp_path, limit=4) == ["a1", "b1", "a2", "b2"]


def test_word_matching_times_the_same_questions_both_ways(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "summit-ar.ar.md").write_text("# القمة\n\nالتقى الرئيس بوتين في بكين.\n", "utf-8")
    (seeds / "summit-en.en.md").write_text("# The summit\n\nPutin met Xi in Beijing.\n", "utf-8")
    embedder = HashEmbedder(dim=256)
    build(seeds, tmp_path / "index", embedder)
    index = IndexStore(tmp_path / "index").load()
    figures = word_matching(
        index, embedder, ["Where did Putin meet Xi?", "أين التقى بوتين؟"], dictionary_dir=None
    )
    assert figures["questions"] == 2
    assert figures["terms"] == len(index.terms)
    assert figures["searched_p50_ms"] > 0 and figures["kept_p50_ms"] > 0
    # The ratio is of the unrounded times: the printed ones, rounded to 1 µs, differ a little.
    assert figures["kept_over_searched"] == pytest.approx(
        figures["kept_p50_ms"] / figures["searched_p50_ms"], rel=0.05
    )
    assert figures["dictionary_p50_ms"] is None  # no lists, no figure


def summit_index(tmp_path: Path) -> tuple:
    """An index of one Arabic summit paragraph, its embedder, and an empty lists folder."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "summit-ar.ar.md").write_text("# القمة\n\nالتقى الرئيس بوتين في بكين.\n", "utf-8")
    embedder = HashEmbedder(dim=256)
    build(seeds, tmp_path / "index", embedder)
    lists = tmp_path / "dictd"
    lists.mkdir()
    write_dictd(lists, "freedict-eng-ara", {"summit": "Summit /sˈʌmɪt/\nالقمة\n"})
    return IndexStore(tmp_path / "index").load(), embedder, lists


def test_word_matching_times_the_dictionary_back_off(tmp_path):
    index, embedder, lists = summit_index(tmp_path)
    figures = word_matching(index, embedder, ["Where was the summit?"], dictionary_dir=lists)
    assert figures["dictionary_load_s"] is not None
    assert figures["dictionary_cached_s"] is None  # one list of two: nothing is kept
    assert figures["dictionary_over_kept"] == pytest.approx(
        figures["dictionary_p50_ms"] / figures["kept_p50_ms"], rel=0.05
    )


def test_word_matching_times_the_dictionary_read_back_from_its_cache(tmp_path):
    index, embedder, lists = summit_index(tmp_path)
    write_dictd(lists, "freedict-ara-eng", {"قمة": "قمة\nsummit\n"})
    figures = word_matching(index, embedder, ["Where was the summit?"], dictionary_dir=lists)
    assert figures["dictionary_cached_s"] is not None
    # A ratio of two sub-millisecond times here: that it is measured, not its value.
    assert figures["cached_over_parsed"] >= 0
