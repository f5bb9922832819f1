"""A question's Arabic word counts the passage whose word agrees in another gender or number."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import hashed_service

import rag.query.translate
from rag.query.analyse import analyse
from rag.text.arabic import agreement_forms, light_stem

# The answering paragraph comes second, so that a tie would put the other first.
ARTICLE = """# العراق

يسكنها من الشمال شعب كبير.

يحدها من الشمال بلد كبير.
"""
QUESTION = "ما الذي تحدها من الشمال؟"


def test_the_other_gender_prefix_is_swapped():
    assert agreement_forms(light_stem("تحدها")) == (light_stem("يحدها"),)
    assert agreement_forms(light_stem("يقع")) == (light_stem("تقع"),)


def test_the_feminine_ending_is_dropped_and_added():
    assert agreement_forms(light_stem("استقلت")) == (light_stem("استقل"),)
    assert agreement_forms(light_stem("أقيم")) == (light_stem("أقيم") + "ت",)
    # A dual keeps its taa marbuta as ت: مدينتان reads as مدينة.
    assert agreement_forms(light_stem("مدينتان")) == (light_stem("مدينة"),)


def test_a_short_noun_and_a_latin_word_have_no_other_form():
    assert agreement_forms(light_stem("بيت")) == ()
    assert agreement_forms("border") == ()


@pytest.fixture
def service(tmp_path: Path):
    qa = hashed_service(tmp_path, {"iraq.ar.md": ARTICLE})
    yield qa
    qa.close()


def verb_keys(service, question: str = QUESTION) -> frozenset[str]:
    retriever = service.snapshot().retriever
    query = analyse(question, retriever.index.languages)
    words = retriever.retrieve(query, service.query_embedder.embed(query), 2).words
    return next(m.keys for m in words if m.word.key == light_stem("تحدها"))


def test_the_verb_counts_its_other_gender_form_in_the_corpus(service):
    assert light_stem("يحدها") in verb_keys(service)


def test_an_other_form_the_corpus_lacks_does_not_count(service, monkeypatch):
    monkeypatch.setattr(rag.query.translate, "agreement_forms", lambda key: ("تغيب",))
    assert verb_keys(service) == frozenset()


def test_the_agreeing_paragraph_ranks_first(service):
    assert "يحدها" in service.ask(QUESTION, top_k=2).passages[0].text


def test_without_the_other_form_the_paragraphs_tie(service, monkeypatch):
    monkeypatch.setattr(rag.query.translate, "agreement_forms", lambda key: ())
    assert "يسكنها" in service.ask(QUESTION, top_k=2).passages[0].text
