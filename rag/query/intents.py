"""What kind of question this is: about the article, small talk, or content.

Two kinds of input must not go through passage retrieval as if they were
content questions:

* questions about the article itself ("who wrote this?", "what is it
  called?"): the byline and the title are not passages, so retrieval cannot
  find them (`rag.query.metadata` answers them);
* small talk ("hello", "شكرا", "who are you?"): it scores like a real question
  against any corpus, so no similarity floor can refuse it without refusing
  real questions too.

The rule has two parts, neither a similarity threshold (the fixed 0.89 floor
it replaces sat 0.002 from the data it was fitted on, and moved with the CPU):

* the question takes the label of the reference question nearest to it,
  among the intents' prototypes and the background questions
  (`rag.index.background`), which stand for ordinary content questions;
* and the label must be borne out by the question's words: an author or
  title question has no content word but its cue ("wrote", "كاتب"; "title",
  "عنوان") and words for the article itself ("article", "المقال"), so that
  "Who is the author of the book X?" stays a content question; small talk
  is made of the small-talk prototypes' own words ("thanks", "السلام عليكم"),
  so that "What can China do for Russia?", nearest "what can you do?", is not.

The nearest neighbour alone took 720 of the dev archive's 1,765 content
questions for intents ("أين تقع مصر؟" lies nearer "ما عنوان المقال؟" than any
background question); with the word check, one: "و ماذا تكون؟", which holds
no content word at all (`make eval-archive`).
"""

from __future__ import annotations

import functools

import numpy as np

from rag.embeddings import Embedder
from rag.index.background import BACKGROUND_QUESTIONS
from rag.text.arabic import tokenize

PROTOTYPES: dict[str, tuple[str, ...]] = {
    "author": (
        "Who wrote this article?",
        "Who is the author of this article?",
        "من كاتب المقال؟",
        "من كتب هذا المقال؟",
        "من هو مؤلف المقال؟",
    ),
    "title": (
        "What is the title of this article?",
        "What is this article called?",
        "ما عنوان المقال؟",
        "ما هو عنوان هذا المقال؟",
    ),
    "smalltalk": (
        "hello",
        "hi there",
        "good morning",
        "thanks",
        "thank you very much",
        "goodbye",
        "who are you?",
        "how are you?",
        "what can you do?",
        "ok",
        "test",
        "مرحبا",
        "السلام عليكم",
        "صباح الخير",
        "شكرا",
        "شكرا جزيلا",
        "مع السلامة",
        "من أنت؟",
        "كيف حالك؟",
        "ماذا تستطيع أن تفعل؟",
    ),
}

# The words an author or title question is made of (match keys are compared).
CUES: dict[str, tuple[str, ...]] = {
    "author": [
        "wrote",
        "written",
        "writer",
        "author",
        "byline",
        "كتب",
        "كتبه",
        "كاتب",
        "الكاتب",
        "مؤلف",
        "بقلم",
    ],
    "title": ["title", "headline", "called", "عنوان", "العنوان"],
}
ARTICLE_WORDS = tuple(
    [
        "article",
        "story",
        "piece",
        "post",
        "text",
        "essay",
        "column",
        "report",
        "المقال",
        "مقال",
        "المقاله",
        "مقاله",
        "النص",
        "الموضوع",
        "التقرير",
    ]
)

METADATA_INTENTS = ("author", "title")
SMALLTALK = "smalltalk"
CONTENT = None


@functools.cache
def article_keys() -> frozenset[str]:
    """The match keys of the words for the article itself ("article", "المقال")."""
    return frozenset(k for w in ARTICLE_WORDS for k in tokenize(w))


class QuestionIntents:
    def __init__(self, embedder: Embedder) -> None:
        texts: list[str] = []
        self._labels: list[str | None] = []
        for name, prototypes in PROTOTYPES.items():
            texts.extend(prototypes)
            self._labels.extend([name] * len(prototypes))
        for pair in BACKGROUND_QUESTIONS:
            texts.extend(pair)
            self._labels.extend([CONTENT] * len(pair))
        self._vectors = np.asarray(embedder.embed_queries(texts), dtype=np.float32)
        self._cues = {name: {k for w in words for k in tokenize(w)} for name, words in CUES.items()}
        self._cues[SMALLTALK] = {k for text in PROTOTYPES[SMALLTALK] for k in tokenize(text)}

    def classify(self, query_vector: np.ndarray, keys: set[str]) -> str | None:
        """ "author", "title", "smalltalk", or None for a content question.

        `keys` are the match keys of the question's content words.
        """
        label = self._labels[int(np.argmax(self._vectors @ query_vector))]
        if label == SMALLTALK:
            return label if keys <= self._cues[SMALLTALK] else CONTENT
        if label in self._cues:
            cues = self._cues[label]
            return label if keys & cues and keys <= cues | article_keys() else CONTENT
        return label
