"""The prototype rule that routes metadata questions and small talk away from retrieval."""

from __future__ import annotations

import numpy as np
import pytest

from rag.query.intents import INTENT_MARGIN, INTENT_THRESHOLD, PROTOTYPES, QuestionIntents


class PrototypeAxes:
    """Each intent's prototypes embed onto one axis of their own."""

    name = "axes"

    def __init__(self) -> None:
        self.axis = {text: i for i, name in enumerate(PROTOTYPES) for text in PROTOTYPES[name]}

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), len(PROTOTYPES)), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row, self.axis[text]] = 1.0
        return out


def question(**similarity: float) -> np.ndarray:
    return np.array([similarity.get(name, 0.0) for name in PROTOTYPES], dtype=np.float32)


@pytest.fixture
def intents() -> QuestionIntents:
    return QuestionIntents(PrototypeAxes())


@pytest.mark.parametrize("name", list(PROTOTYPES))
def test_close_to_one_intent_is_that_intent(intents: QuestionIntents, name: str):
    assert intents.classify(question(**{name: INTENT_THRESHOLD + 0.001})) == name


def test_below_the_threshold_is_a_content_question(intents: QuestionIntents):
    assert intents.classify(question(smalltalk=INTENT_THRESHOLD - 0.01)) is None


def test_close_to_two_intents_is_left_to_retrieval(intents: QuestionIntents):
    near_tie = question(author=0.95, title=0.95 - INTENT_MARGIN / 2)
    assert intents.classify(near_tie) is None
