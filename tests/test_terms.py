"""The term table: corpus terms grouped by language, their vectors, searches within a language."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import HashEmbedder

from rag.index.terms import TermTable
from rag.text.arabic import tokenize

TEXTS = [
    "سيزور الرئيس مدينة خاربين ويلتقي بطلاب جامعة خاربين.",
    "The Panthers beat the Broncos in Denver.",
    "فاز فريق بانثرز على البرونكوس في دنفر.",
]


@pytest.fixture
def table() -> TermTable:
    return TermTable.build(TEXTS, HashEmbedder())


def test_rows_are_grouped_by_language(table):
    assert set(table.language_rows) == {"ar", "en"}
    for language, rows in table.language_rows.items():
        assert all(table.languages[r] == language for r in rows)


def test_the_background_vocabulary_is_in_both_languages(table):
    # Mutual nearest neighbours need words of both languages, whatever the archive.
    assert table.row_of(tokenize("weather")[0]) is not None
    assert table.row_of(tokenize("الطقس")[0]) is not None


def test_one_term_per_match_key(table):
    assert len(table.keys) == len(set(table.keys))
    assert table.keys.count(tokenize("خاربين")[0]) == 1  # twice in the text


def test_nearest_searches_only_the_given_language(table):
    vector = HashEmbedder().embed_queries(["Panthers"])
    _, [[row]] = table.nearest(vector, "ar")
    assert table.languages[row] == "ar"
    _, [[row]] = table.nearest(vector, "en")
    assert table.surfaces[row] == "Panthers"


def test_a_capitalised_name_finds_its_arabic_transliteration(table):
    rows = table.transliterations("Panthers", "ar")
    assert [table.surfaces[r] for r in rows] == ["بانثرز"]


def test_an_arabic_name_finds_only_capitalised_latin_terms(table):
    assert [table.surfaces[r] for r in table.transliterations("دنفر", "en")] == ["Denver"]
    assert table.transliterations("بيت", "en") == []  # "beat" is not a name


def test_rebuild_reuses_vectors_of_known_terms(table):
    embedder = HashEmbedder()
    rebuilt = TermTable.build([*TEXTS, "مؤتمر صحفي"], embedder, previous=table)
    assert sorted(t for batch in embedder.query_batches for t in batch) == ["صحفي", "مؤتمر"]
    key = tokenize("خاربين")[0]
    assert np.allclose(rebuilt.vector(rebuilt.row_of(key)), table.vector(table.row_of(key)))


def test_save_and_load_round_trip(table, tmp_path):
    table.save(tmp_path)
    loaded = TermTable.load(tmp_path)
    assert (loaded.keys, loaded.surfaces, loaded.languages) == (
        table.keys,
        table.surfaces,
        table.languages,
    )
    assert np.allclose(loaded.vectors, table.vectors)


def test_rows_out_of_language_order_are_refused():
    vectors = np.eye(3, dtype=np.float32)
    with pytest.raises(ValueError, match="grouped by language"):
        TermTable(["a", "ب", "c"], ["a", "ب", "c"], ["en", "ar", "en"], vectors)
