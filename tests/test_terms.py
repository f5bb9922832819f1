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


def test_a_terms_nearest_neighbour_is_what_a_search_gives(table):
    rows = list(table.language_rows["ar"])[:5] + list(table.language_rows["en"])[:5]
    sims, found = table.nearest_to_terms(rows, "en")
    searched, hits = table.nearest(np.vstack([table.vector(r) for r in rows]), "en")
    assert found.tolist() == hits[:, 0].tolist()
    assert np.allclose(sims, searched[:, 0])


def test_a_term_asked_about_before_is_not_searched_again(table, monkeypatch):
    rows = list(table.language_rows["ar"])[:3]
    first = table.nearest_to_terms(rows, "en")
    searches = []
    original = table.nearest
    monkeypatch.setattr(table, "nearest", lambda *a, **k: searches.append(a) or original(*a, **k))
    again = table.nearest_to_terms([*rows, rows[0]], "en")
    assert searches == []
    assert again[1][:3].tolist() == first[1].tolist()
    table.nearest_to_terms([list(table.language_rows["en"])[0]], "en")
    assert len(searches) == 1  # a new term is searched


def test_a_language_without_terms_has_no_neighbour(table):
    sims, found = table.nearest_to_terms([0, 1], "fr")
    assert found.tolist() == [-1, -1]
    assert np.isinf(sims).all()


def test_a_question_word_asked_about_before_is_not_searched_again(table, monkeypatch):
    vectors = np.vstack([table.vector(r) for r in list(table.language_rows["ar"])[:2]])
    first = table.nearest_to_words(["one", "two"], vectors, "en", 3)
    assert first.tolist() == table.nearest(vectors, "en", 3)[1].tolist()
    searches = []
    original = table.nearest
    monkeypatch.setattr(table, "nearest", lambda *a, **k: searches.append(a) or original(*a, **k))
    assert table.nearest_to_words(["two", "one"], vectors[::-1], "en", 3).tolist() == (
        first[::-1].tolist()
    )
    assert searches == []
