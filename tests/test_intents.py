"""The intent rule: the nearest reference question, borne out by the question's words."""

from __future__ import annotations

import numpy as np
import pytest

from rag.index.background import BACKGROUND_QUESTIONS
from rag.query.intents import PROTOTYPES, QuestionIntents
from rag.text.arabic import content_words

AXES = [*PROTOTYPES, "content"]


class ReferenceAxes:
    """Each intent's prototypes embed onto one axis, the background questions onto another."""

    name = "axes"

    def __init__(self) -> None:
        self.axis = {text: AXES.index(name) for name in PROTOTYPES for text in PROTOTYPES[name]}
        for pair in BACKGROUND_QUESTIONS:
            self.axis.update(dict.fromkeys(pair, AXES.index("content")))

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), len(AXES)), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row, self.axis[text]] = 1.0
        return out


def nearest(name: str) -> np.ndarray:
    """A question vector whose nearest reference questions are `name`'s."""
    vector = np.full(len(AXES), 0.1, dtype=np.float32)
    vector[AXES.index(name)] = 0.9
    return vector


def keys(text: str) -> set[str]:
    return {key for _, key in content_words(text)}


@pytest.fixture
def intents() -> QuestionIntents:
    return QuestionIntents(ReferenceAxes())


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("author", "Who wrote this article?"),
        ("author", "من الكاتب؟"),
        ("title", "ما عنوان المقال؟"),
        ("title", "What is the title?"),
    ],
)
def test_a_metadata_question_made_of_its_cues_is_that_intent(intents, name, text):
    assert intents.classify(nearest(name), keys(text)) == name


def test_a_metadata_neighbour_without_a_cue_is_a_content_question(intents):
    # "أين تقع مصر؟" lay nearer a title prototype than any background question.
    assert intents.classify(nearest("title"), keys("أين تقع مصر؟")) is None


def test_a_cue_about_something_else_than_the_article_is_a_content_question(intents):
    question = keys("Who is the author of the novel about the river?")
    assert intents.classify(nearest("author"), question) is None


def test_small_talk_is_made_of_the_prototypes_words(intents):
    assert intents.classify(nearest("smalltalk"), keys("hello")) == "smalltalk"
    assert intents.classify(nearest("smalltalk"), keys("السلام عليكم")) == "smalltalk"


def test_a_small_talk_neighbour_about_the_archive_is_a_content_question(intents):
    # "What can China do for Russia?" lies nearest "what can you do?".
    question = keys("What can China do for Russia?")
    assert intents.classify(nearest("smalltalk"), question) is None


def test_nearest_to_the_background_is_a_content_question(intents):
    assert intents.classify(nearest("content"), keys("Who wrote this?")) is None


# -- the real model ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["hello", "Thanks!", "who are you?", "مرحبا", "شكرا جزيلا", "السلام عليكم"]
)
def test_real_greetings_are_small_talk(embedder, text):
    intents = QuestionIntents(embedder)
    vector = embedder.embed_queries([text])[0]
    assert intents.classify(vector, keys(text)) == "smalltalk"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Who wrote this article?", "author"),
        ("من كتب هذا المقال؟", "author"),
        ("What is the title of this article?", "title"),
        ("ما عنوان المقال؟", "title"),
    ],
)
def test_real_metadata_questions(embedder, text, name):
    intents = QuestionIntents(embedder)
    vector = embedder.embed_queries([text])[0]
    assert intents.classify(vector, keys(text)) == name
