"""Step 3c: a paragraph the archive holds twice is shown once."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import hashed_service

import rag.service
from rag.query.distinct import adds_nothing_asked, is_copy, word_pairs
from rag.text.arabic import tokenize

SHORT = "The Nile is the longest river of Africa and flows north into the sea."
LONG = SHORT + " Its basin covers eleven countries and it floods every summer."
# Every word of SHORT, in another order: a paragraph on the same subject, not a copy.
SHUFFLED = "Africa flows the sea and north into the longest river: the Nile is of it."

# The article opens twice, as the archive's copies do: a short and a long version.
NILE = f"""# The Nile

{LONG}

{SHORT}

The river's delta holds the city of Alexandria, where the Nile meets the sea.
"""
OTHER = """# The desert

Sand covers the desert, far from any river.
"""
QUESTION = "Which longest river of Africa flows north, its basin covering eleven countries?"


def test_a_passage_inside_another_is_its_copy():
    assert is_copy(word_pairs(SHORT), word_pairs(LONG))


def test_the_longer_version_is_not_a_copy_of_the_shorter():
    # It holds a sentence the short one lacks, which may be what was asked.
    assert not is_copy(word_pairs(LONG), word_pairs(SHORT))


def test_the_same_words_in_another_order_are_no_copy():
    assert not is_copy(word_pairs(SHUFFLED), word_pairs(SHORT))


def test_a_longer_copy_adding_no_asked_word_adds_nothing():
    asked = set(tokenize("Which river of Africa flows north?"))
    assert adds_nothing_asked(word_pairs(LONG), word_pairs(SHORT), asked)


def test_a_longer_copy_adding_an_asked_word_is_kept():
    # Its extra sentence names the basin, which the question asks about.
    asked = set(tokenize("How many countries does the basin of the Nile cover?"))
    assert not adds_nothing_asked(word_pairs(LONG), word_pairs(SHORT), asked)


def test_a_different_paragraph_is_never_a_longer_copy():
    asked = set(tokenize("Which river flows north?"))
    assert not adds_nothing_asked(word_pairs(LONG), word_pairs(SHUFFLED), asked)


def test_an_empty_passage_is_no_copy():
    assert not is_copy(word_pairs(""), word_pairs(SHORT))


@pytest.fixture
def service(tmp_path: Path):
    qa = hashed_service(tmp_path, {"nile.en.md": NILE, "desert.en.md": OTHER})
    yield qa
    qa.close()


def shown(service, top_k: int = 3) -> list[str]:
    return [p.text for p in service.ask(QUESTION, top_k=top_k).passages]


def test_a_copy_below_its_paragraph_is_not_shown(service):
    texts = shown(service)
    assert sum(SHORT in text for text in texts) == 1
    assert any("Alexandria" in text for text in texts)


def test_without_the_step_the_copy_takes_a_place(service, monkeypatch):
    # The counter-test: the retrieval itself ranks both copies first.
    monkeypatch.setattr(rag.service, "distinct", lambda index, retrieval: retrieval)
    texts = shown(service, top_k=2)
    assert sum(SHORT in text for text in texts) == 2
