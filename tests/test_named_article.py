"""Step 3b: a question that names another candidate's article whole is about that article."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from helpers import hashed_service

from rag.query.analyse import analyse
from rag.query.focus import focus, named_first
from rag.query.retrieve import Candidate

ARTICLES = {
    "iraq.en.md": "# Iraq\n\nIraq borders Turkey to the north.\n",
    "saudi.en.md": "# Saudi Arabia\n\nSaudi Arabia borders Iraq to the north.\n",
    "sony.en.md": "# Sony\n\nSony is a company founded in Tokyo.\n",
    "japan.en.md": "# Japan\n\nJapan is an island country.\n",
}
QUESTION = "Which country borders Iraq to the north?"


@pytest.fixture
def service(tmp_path: Path):
    qa = hashed_service(tmp_path, ARTICLES)
    yield qa
    qa.close()


def placed(service, question: str, titles: list[str]):
    """The question's retrieval with one passage of each titled article, in this order."""
    snapshot = service.snapshot()
    index = snapshot.index
    query = analyse(question, index.languages)
    retrieval = snapshot.retriever.retrieve(query, service.query_embedder.embed(query), 4)
    row = {index.documents[p.document].title.text: r for r, p in enumerate(index.passages)}
    candidates = [
        Candidate(row[t], 10.0 - i, 0.0, 0.0, 0.0, 0.0, -1, "en") for i, t in enumerate(titles)
    ]
    return query, replace(retrieval, candidates=candidates)


def titles_of(service, candidates) -> list[str]:
    index = service.snapshot().index
    return [index.documents[index.passages[c.row].document].title.text for c in candidates]


def reordered(service, question: str, titles: list[str]) -> list[str]:
    """The titles in the order `named_first` gives them."""
    _, retrieval = placed(service, question, titles)
    index = service.snapshot().index
    return titles_of(service, named_first(index, retrieval.words, retrieval.candidates))


def test_the_named_article_goes_first(service):
    order = reordered(service, QUESTION, ["Saudi Arabia", "Iraq"])
    assert order == ["Iraq", "Saudi Arabia"]


def test_a_place_named_in_passing_does_not(service):
    # Japan's passage holds none of what is asked beside its name.
    order = reordered(service, "Which company was founded in Japan?", ["Sony", "Japan"])
    assert order == ["Sony", "Japan"]


def test_a_top_article_the_question_names_keeps_its_place(service):
    question = "Does Saudi Arabia border Iraq to the north?"
    assert reordered(service, question, ["Iraq", "Saudi Arabia"]) == ["Iraq", "Saudi Arabia"]


def test_a_named_article_far_down_keeps_its_place(service):
    titles = ["Saudi Arabia", "Sony", "Japan", "Sony", "Sony", "Iraq"]
    assert reordered(service, QUESTION, titles) == titles


def test_the_focus_step_puts_the_named_article_first(service):
    query, retrieval = placed(service, QUESTION, ["Saudi Arabia", "Iraq"])
    out = focus(service.snapshot().retriever, query, retrieval, service.query_embedder.embed_text)
    assert titles_of(service, out.candidates) == ["Iraq", "Saudi Arabia"]
