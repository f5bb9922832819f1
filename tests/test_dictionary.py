"""The bilingual dictionary: reading FreeDict's dictd lists, its back-off in translation, the
later candidates it confirms, its senses in the highlight."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from helpers import hashed_service, write_dictd

import rag.query.present as present
import rag.query.translate
import rag.text.dictionary
from rag.config import Settings
from rag.query.analyse import analyse
from rag.query.decide import confidence_of
from rag.service import QAService
from rag.text.arabic import tokenize
from rag.text.dictionary import (
    INSTALL_HINT,
    BilingualDictionary,
    dictd_number,
    load_dictionary,
    read_dictd,
)

SYSTEM_DICTIONARY = Path("/usr/share/dictd")


def key(word: str) -> str:
    (only,) = tokenize(word)
    return only


def test_dictd_numbers_are_base_64():
    assert dictd_number("A") == 0
    assert dictd_number("B") == 1
    assert dictd_number("BA") == 64


def test_a_list_gives_each_headword_its_single_word_translations(tmp_path):
    write_dictd(
        tmp_path,
        "freedict-eng-ara",
        {
            "continent": "Continent /kˈɒntɪnənt/\nالقارة\n",
            "diviner": "Diviner /dɪvˈaɪnə/\n1. عرّاف\n2. كاهن\n",
            "axiology": "Axiology /aksɪˈɒlədʒi/\nعلم القيم\n",
        },
    )
    table = read_dictd(tmp_path / "freedict-eng-ara.index", tmp_path / "freedict-eng-ara.dict.dz")
    assert table[key("continent")] == {key("القارة")}
    assert table[key("diviner")] == {key("عرّاف"), key("كاهن")}
    # A phrase is no word-for-word translation, and the metadata is no headword.
    assert key("axiology") not in table
    assert not any(head.startswith("00database") for head in table)


def test_missing_lists_give_an_empty_dictionary_and_name_the_fix(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        dictionary = load_dictionary(tmp_path / "nowhere")
    assert not dictionary
    assert INSTALL_HINT in caplog.text


def test_a_corrupt_list_is_reported_not_raised(tmp_path, caplog):
    (tmp_path / "freedict-eng-ara.index").write_text("continent\tA\tZ\n", "utf-8")
    (tmp_path / "freedict-eng-ara.dict.dz").write_bytes(b"not gzip")
    with caplog.at_level(logging.WARNING):
        dictionary = load_dictionary(tmp_path)
    assert not dictionary
    assert "freedict-eng-ara" in caplog.text


def test_the_installed_lists_translate_both_ways():
    # `make test` installs them (scripts/ensure-dictionary); the service uses them.
    assert (SYSTEM_DICTIONARY / "freedict-eng-ara.index").exists(), INSTALL_HINT
    dictionary = load_dictionary(SYSTEM_DICTIONARY)
    assert key("نشيد") in dictionary.translations(key("anthem"), "en", "ar")
    assert key("diving") in dictionary.translations(key("الغوص"), "ar", "en")


def write_lists(folder: Path, continent: str = "القارة") -> Path:
    folder.mkdir(exist_ok=True)
    write_dictd(folder, "freedict-eng-ara", {"continent": f"Continent /kˈɒntɪnənt/\n{continent}\n"})
    write_dictd(folder, "freedict-ara-eng", {"قارة": "قارة\ncontinent\n"})
    return folder


def read(lists: Path, cache: Path) -> BilingualDictionary:
    return load_dictionary.__wrapped__(lists, cache)  # afresh, not the process's kept one


def unparseable(monkeypatch):
    def fail(*_):
        raise AssertionError("parsed the lists instead of reading the cache")

    monkeypatch.setattr(rag.text.dictionary, "read_dictd", fail)


def test_the_parsed_lists_are_kept_and_read_back(tmp_path, monkeypatch):
    lists, cache = write_lists(tmp_path / "dictd"), tmp_path / "cache"
    parsed = read(lists, cache)
    assert list(cache.glob("dictionary-*.json"))
    unparseable(monkeypatch)
    assert read(lists, cache) == parsed
    assert key("القارة") in parsed.translations(key("continent"), "en", "ar")


def test_a_changed_list_is_parsed_afresh(tmp_path):
    lists, cache = write_lists(tmp_path / "dictd"), tmp_path / "cache"
    read(lists, cache)
    write_lists(lists, continent="اليابسة")
    assert key("اليابسة") in read(lists, cache).translations(key("continent"), "en", "ar")


def test_a_corrupt_cache_is_parsed_afresh(tmp_path):
    lists, cache = write_lists(tmp_path / "dictd"), tmp_path / "cache"
    expected = read(lists, cache)
    for kept in cache.glob("dictionary-*.json"):
        kept.write_text('{"en|ar": [1, 2', "utf-8")
    assert read(lists, cache) == expected


def test_an_unreadable_list_is_not_kept(tmp_path):
    lists, cache = write_lists(tmp_path / "dictd"), tmp_path / "cache"
    (lists / "freedict-ara-eng.dict.dz").write_bytes(b"not gzip")
    assert read(lists, cache).translations(key("continent"), "en", "ar")
    # Kept, the half table would outlive the list's repair.
    assert not list(cache.glob("dictionary-*.json"))


def test_a_cache_that_cannot_be_written_is_only_slower(tmp_path):
    lists, blocked = write_lists(tmp_path / "dictd"), tmp_path / "a-file"
    blocked.write_text("", "utf-8")
    assert read(lists, blocked / "cache").translations(key("continent"), "en", "ar")


def test_the_cache_folder_follows_the_xdg_base_directories(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert Settings(_env_file=None).cache_dir == tmp_path / "rag"  # type: ignore[call-arg]
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert Settings(_env_file=None).cache_dir == tmp_path / "home" / ".cache" / "rag"  # type: ignore[call-arg]


def test_the_service_keeps_the_parsed_lists_in_its_cache_folder(tmp_path, make_settings, embedder):
    lists, cache = write_lists(tmp_path / "dictd"), tmp_path / "cache"
    QAService(make_settings(dictionary_dir=lists, cache_dir=cache), embedder=embedder)
    assert list(cache.glob("dictionary-*.json"))


# The answering paragraph comes second, so that a tie would put the other first.
ARTICLE = """# القارات

يعيش في المدينة نحو مليون نسمة ويعمل أغلبهم في الزراعة.

تقع جزر الكناري قبالة ساحل القارة الأفريقية في المحيط الأطلسي.
"""
OTHER = """# Farming

The city grows wheat and most of its people work on farms.
"""
QUESTION = "Which continent are the Canary Islands off?"
DICTIONARY = BilingualDictionary(
    {("en", "ar"): {key("continent"): frozenset({key("القارة"), key("الصحراء")})}}
)


@pytest.fixture
def service(tmp_path: Path):
    qa = hashed_service(tmp_path, {"continents.ar.md": ARTICLE, "farming.en.md": OTHER})
    yield qa
    qa.close()


def continent_keys(service, dictionary, monkeypatch, embedded: str | None) -> frozenset[str]:
    """The keys "continent" counts as, when the embedding translates it as `embedded`."""

    def mutual(index, words, vectors, language):
        return [(w, embedded) for w in words if w.key == key("continent")] if embedded else []

    monkeypatch.setattr(rag.query.translate, "_mutual_translations", mutual)
    retriever = service.snapshot().retriever
    retriever.dictionary = dictionary
    query = analyse(QUESTION, retriever.index.languages)
    words = retriever.retrieve(query, service.query_embedder.embed(query), 2).words
    return next(m.keys for m in words if m.word.surface == "continent")


def test_a_word_the_embedding_cannot_translate_is_looked_up(service, monkeypatch):
    assert key("القارة") in continent_keys(service, DICTIONARY, monkeypatch, None)


def test_a_translation_the_corpus_lacks_does_not_count(service, monkeypatch):
    assert key("الصحراء") not in continent_keys(service, DICTIONARY, monkeypatch, None)


def test_the_embedding_translation_comes_first(service, monkeypatch):
    # A back-off: a word the embedding translated does not count as its dictionary's
    # translations (they are its senses, for the highlight only).
    keys = continent_keys(service, DICTIONARY, monkeypatch, key("الأفريقية"))
    assert key("الأفريقية") in keys
    assert key("القارة") not in keys


def test_without_the_dictionary_the_word_finds_no_arabic_key(service, monkeypatch):
    assert key("القارة") not in continent_keys(service, None, monkeypatch, None)


def first_passage(service, dictionary, monkeypatch) -> str:
    continent_keys(service, dictionary, monkeypatch, None)
    # Only "continent" tells the two Arabic paragraphs apart.
    return service.ask("Which continent is it?", top_k=2).passages[0].text


def test_the_looked_up_word_ranks_its_passage_first(service, monkeypatch):
    assert "الكناري" in first_passage(service, DICTIONARY, monkeypatch)


def test_without_the_dictionary_the_paragraphs_tie(service, monkeypatch):
    assert "المدينة" in first_passage(service, None, monkeypatch)


def test_a_translated_word_keeps_its_dictionary_senses_apart(service, monkeypatch):
    # The ranking counts the embedding's translation only; the highlight, both.
    monkeypatch.setattr(
        rag.query.translate,
        "_mutual_translations",
        lambda index, words, vectors, language: [
            (w, key("الأفريقية")) for w in words if w.key == key("continent")
        ],
    )
    retriever = service.snapshot().retriever
    retriever.dictionary = DICTIONARY
    query = analyse(QUESTION, retriever.index.languages)
    words = retriever.retrieve(query, service.query_embedder.embed(query), 2).words
    continent = next(m for m in words if m.word.surface == "continent")
    assert continent.senses == {key("القارة")}  # الصحراء: the corpus lacks it


CONTINENT = BilingualDictionary({("en", "ar"): {key("continent"): frozenset({key("القارة")})}})


def continent_match(service, dictionary, monkeypatch, embedded: list[str]):
    """The match of "continent" when its mutual-nearest candidates are `embedded`."""
    monkeypatch.setattr(
        rag.query.translate,
        "_mutual_translations",
        lambda index, words, vectors, language: [
            (w, key(term)) for w in words if w.key == key("continent") for term in embedded
        ],
    )
    retriever = service.snapshot().retriever
    retriever.dictionary = dictionary
    query = analyse(QUESTION, retriever.index.languages)
    words = retriever.retrieve(query, service.query_embedder.embed(query), 2).words
    return next(m for m in words if m.word.surface == "continent")


def test_a_later_candidate_the_dictionary_lists_is_confirmed(service, monkeypatch):
    continent = continent_match(service, CONTINENT, monkeypatch, ["الرمال", "القارة"])
    assert continent.keys == {key("الرمال")}
    assert continent.confirmed == {key("القارة")}


def test_no_later_candidate_is_confirmed_when_the_dictionary_lists_the_first(service, monkeypatch):
    both = BilingualDictionary(
        {("en", "ar"): {key("continent"): frozenset({key("الأفريقية"), key("القارة")})}}
    )
    continent = continent_match(service, both, monkeypatch, ["الأفريقية", "القارة"])
    assert continent.keys == {key("الأفريقية")}
    assert continent.confirmed == frozenset()


def test_without_the_dictionary_no_later_candidate_counts(service, monkeypatch):
    continent = continent_match(service, None, monkeypatch, ["الرمال", "القارة"])
    assert continent.keys == {key("الرمال")}
    assert continent.confirmed == frozenset()


def confirmed_ranking(service, dictionary, monkeypatch):
    continent_match(service, dictionary, monkeypatch, ["الرمال", "القارة"])
    retriever = service.snapshot().retriever
    query = analyse("Which continent is it?", retriever.index.languages)
    return retriever.retrieve(query, service.query_embedder.embed(query), 2).candidates


def test_a_confirmed_translation_ranks_its_passage_first(service, monkeypatch):
    top = confirmed_ranking(service, CONTINENT, monkeypatch)[0]
    assert "الكناري" in service.snapshot().index.passages[top.row].text
    assert top.evidence > 0


def test_the_no_answer_decision_reads_the_evidence_without_it(service, monkeypatch):
    top = confirmed_ranking(service, CONTINENT, monkeypatch)[0]
    assert top.decision_evidence == 0.0
    assert confidence_of(top) == top.z


def test_without_the_confirmation_the_paragraphs_tie(service, monkeypatch):
    top = confirmed_ranking(service, None, monkeypatch)[0]
    assert "المدينة" in service.snapshot().index.passages[top.row].text


# One paragraph, so ranking plays no part; the second sentence holds the
# dictionary's sense of "continent", the first nothing the question asks.
ISLANDS = """# الجزر

تتبع جزر الكناري إسبانيا منذ قرون طويلة. وهي تقع قبالة ساحل القارة الأفريقية.
"""


@pytest.fixture
def islands(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(present, "HIGHLIGHT_MIN_WORDS", 0)
    monkeypatch.setattr(present, "HIGHLIGHT_MARGIN", -1.0)
    # The embedding translates "continent" as a word the article lacks.
    monkeypatch.setattr(
        rag.query.translate,
        "_mutual_translations",
        lambda index, words, vectors, language: [
            (w, key("الصحراء")) for w in words if w.key == key("continent")
        ],
    )
    qa = hashed_service(tmp_path, {"islands.ar.md": ISLANDS})
    qa.snapshot().retriever.dictionary = DICTIONARY
    yield qa
    qa.close()


def test_the_highlight_counts_a_translated_words_dictionary_sense(islands):
    highlight = islands.ask("Which continent is it near?", 1).passages[0].highlight
    assert highlight == "وهي تقع قبالة ساحل القارة الأفريقية."


def test_without_the_dictionary_the_highlight_is_the_first_sentence(islands):
    islands.snapshot().retriever.dictionary = None
    highlight = islands.ask("Which continent is it near?", 1).passages[0].highlight
    assert highlight == "تتبع جزر الكناري إسبانيا منذ قرون طويلة."
