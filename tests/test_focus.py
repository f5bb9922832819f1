"""Step 3b: between the paragraphs of the question's article, what it asks decides."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from helpers import hashed_service

import rag.query.present as present
from rag.query.analyse import Word, analyse
from rag.query.focus import focus, focused_question
from rag.query.retrieve import Candidate
from rag.query.translate import WordMatch

# The opening paragraph names the subject three times and holds nothing asked;
# the second holds what is asked and not the subject. By the whole question the
# opening one is nearer, by the question less the subject the second.
EINSTEIN = """# Albert Einstein

Albert Einstein, Albert Einstein, the physicist Albert Einstein.

Students say he did teach where the lake is.
"""
LAKE = """# The lake

The lake is where the students did swim.
"""
QUESTION = "Where did Albert Einstein teach?"
OPENING, ANSWER = "Albert Einstein, Albert", "Students say"


@pytest.fixture
def service(tmp_path: Path):
    # A real model's spread and no shared question part: similarity, in spreads,
    # outweighs the words held, as it does when the words tie.
    qa = hashed_service(tmp_path, {"einstein.en.md": EINSTEIN, "lake.en.md": LAKE})
    yield qa
    qa.close()


def match(surface: str, *keys: str) -> WordMatch:
    return WordMatch(Word(surface, surface.casefold(), "en"), 1.0, frozenset(keys))


def query_of(text: str):
    return analyse(text, frozenset({"en"}))


def test_the_focused_question_drops_the_words_that_name_the_subject():
    words = [match("Albert", "albert"), match("Einstein", "einstein"), match("teach", "teach")]
    subject = frozenset({"albert", "einstein"})
    assert focused_question(query_of(QUESTION), words, subject) == "Where did teach?"


def test_a_word_named_only_by_translation_is_dropped_too():
    words = [match("Einstein", "einstein", "اينشتاين"), match("teach", "teach")]
    focused = focused_question(
        query_of("Where did Einstein teach?"), words, frozenset({"اينشتاين"})
    )
    assert focused == "Where did teach?"


def test_a_question_that_names_no_subject_is_not_focused():
    words = [match("teach", "teach")]
    assert focused_question(query_of("Where did he teach?"), words, frozenset({"albert"})) is None


def test_a_question_about_the_subject_itself_is_not_focused():
    words = [match("Albert", "albert"), match("Einstein", "einstein")]
    subject = frozenset({"albert", "einstein"})
    assert focused_question(query_of("Who is Albert Einstein?"), words, subject) is None


def test_a_headline_that_the_question_shares_a_word_with_is_not_its_subject():
    # A news headline is not a name: a question about the article holds a word or
    # two of it, and those may be what it asks.
    words = [match("Putin", "putin"), match("need", "need"), match("China", "china")]
    headline = frozenset({"putin", "beijing", "strategic", "partnership", "challenges"})
    assert focused_question(query_of("Why does Putin need China?"), words, headline) is None


def test_the_answering_paragraph_comes_before_the_opening_one(service):
    first = service.ask(QUESTION, 1).passages[0]
    assert first.text.startswith(ANSWER)


def test_without_the_focus_the_opening_paragraph_would_come_first(service):
    snapshot = service.snapshot()
    query = analyse(QUESTION, snapshot.index.languages)
    retrieval = snapshot.retriever.retrieve(query, service.query_embedder.embed(query), 3)
    assert snapshot.index.passages[retrieval.candidates[0].row].text.startswith(OPENING)


def test_another_articles_passage_keeps_its_place(service):
    snapshot = service.snapshot()
    index = snapshot.index
    query = analyse(QUESTION, index.languages)
    retrieval = snapshot.retriever.retrieve(query, service.query_embedder.embed(query), 3)
    rows = {p.text[:12]: row for row, p in enumerate(index.passages)}
    opening, answer, lake = (rows[t[:12]] for t in (OPENING, ANSWER, "The lake is "))
    # The other article's passage between the two, whatever the ranking said.
    placed = [
        Candidate(row, score, 0.0, 0.0, 0.0, 0.0, -1, "en")
        for row, score in ((opening, 30.0), (lake, 20.0), (answer, 10.0))
    ]
    focused = focus(
        snapshot.retriever,
        query,
        replace(retrieval, candidates=placed),
        service.query_embedder.embed_text,
    )
    assert [c.row for c in focused.candidates] == [answer, lake, opening]


def test_the_dense_baseline_is_not_focused(service):
    snapshot = service.snapshot()
    dense = type(snapshot.retriever)(
        snapshot.index, replace(snapshot.retriever.config, mode="dense")
    )
    query = analyse(QUESTION, snapshot.index.languages)
    retrieval = dense.retrieve(query, service.query_embedder.embed(query), 3)

    def embed(text: str):
        raise AssertionError(f"the dense baseline embedded {text!r} again")

    assert focus(dense, query, retrieval, embed) is retrieval


# In the second paragraph one sentence names the subject twice and the other
# holds what is asked: by the whole question the first is nearer, halfway to the
# question less the subject the second.
TWO_SENTENCES = """# Albert Einstein

Albert Einstein, Albert Einstein, the physicist Albert Einstein.

Albert Einstein was there, said Albert Einstein. He did teach where the lake is.
"""
TAUGHT = "He did teach where the lake is."


@pytest.fixture
def sentences(tmp_path: Path, monkeypatch):
    qa = hashed_service(tmp_path, {"einstein.en.md": TWO_SENTENCES})
    # The chosen sentence alone, by similarity alone: the words held would pick
    # the taught sentence whatever the vector says.
    monkeypatch.setattr(present, "HIGHLIGHT_MIN_WORDS", 0)
    monkeypatch.setattr(present, "HIGHLIGHT_MARGIN", -1.0)
    monkeypatch.setattr(present, "HIGHLIGHT_EVIDENCE_WEIGHT", 0.0)
    yield qa
    qa.close()


def test_the_highlight_leans_toward_the_question_less_its_subject(sentences):
    shown = [p.highlight for p in sentences.ask(QUESTION, 2).passages]
    assert TAUGHT in shown


def test_by_the_whole_question_the_highlight_would_name_the_subject(sentences, monkeypatch):
    monkeypatch.setattr(present, "HIGHLIGHT_FOCUS_SHARE", 0.0)
    shown = [p.highlight for p in sentences.ask(QUESTION, 2).passages]
    assert TAUGHT not in shown
