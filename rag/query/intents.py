"""What kind of question this is, told by its closeness to a few prototype questions.

Two kinds of input must not go through passage retrieval as if they were
content questions:

* questions about the article itself ("who wrote this?", "what is it
  called?"): the byline and the title are not passages, so retrieval cannot
  find them (`rag.query.metadata` answers them);
* small talk ("hello", "شكرا", "who are you?"): it scores like a real question
  against any corpus (0.80-0.83), so no similarity floor can refuse it without
  refusing real questions too.

Measured with multilingual-e5-small: paraphrases of the prototypes score
0.90-0.98 ("من الكاتب؟" 0.91, "Who wrote this?" 0.95, "Hello!" 0.96, "أهلا"
0.91), while content questions stay at or below 0.85 ("Who is the spokesman
of the Chinese foreign ministry?" 0.80 against the author prototypes; "How do I
bake bread?" 0.85 and the most small-talk-like in-scope question 0.845 against
small talk). The threshold sits between, and the winning intent must beat the
runner-up by a margin, so that a question halfway between two intents is left
to retrieval.
"""

from __future__ import annotations

import numpy as np

from rag.embeddings import Embedder

INTENT_THRESHOLD = 0.89
INTENT_MARGIN = 0.02

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

METADATA_INTENTS = ("author", "title")
SMALLTALK = "smalltalk"


class QuestionIntents:
    def __init__(self, embedder: Embedder) -> None:
        self._names = list(PROTOTYPES)
        self._vectors = [embedder.embed_queries(list(PROTOTYPES[n])) for n in self._names]

    def classify(self, query_vector: np.ndarray) -> str | None:
        """ "author", "title", "smalltalk", or None for a content question."""
        best = [float((v @ query_vector).max()) for v in self._vectors]
        order = np.argsort(best)[::-1]
        top = best[order[0]]
        runner_up = best[order[1]] if len(order) > 1 else 0.0
        if top >= INTENT_THRESHOLD and top - runner_up >= INTENT_MARGIN:
            return self._names[order[0]]
        return None
