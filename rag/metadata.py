"""Questions about the article itself ("who wrote this?"), answered from its metadata.

The byline and the title are not passages, so retrieval cannot find them. A
question is routed here when its embedding is close to one of a few prototype
questions, in English and Arabic. Measured with multilingual-e5-small:
paraphrases of the prototypes score 0.89-0.98 ("من الكاتب؟" 0.91, "Who wrote
this?" 0.95), while content questions that merely start with "who" stay below
0.81 ("Who is the spokesman of the Chinese foreign ministry?" 0.80). The
threshold sits between, and the winning intent must beat the other by a margin
so that "what is the article about?" is not mistaken for an author question.
"""

from __future__ import annotations

import numpy as np

from rag.documents import Document, Span
from rag.embeddings import Embedder
from rag.responses import Citation, PassageHit

INTENT_THRESHOLD = 0.89
INTENT_MARGIN = 0.02

PROTOTYPES = {
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
}


class MetadataIntents:
    def __init__(self, embedder: Embedder) -> None:
        self._names = list(PROTOTYPES)
        self._vectors = [embedder.embed_queries(list(PROTOTYPES[n])) for n in self._names]

    def classify(self, query_vector: np.ndarray) -> str | None:
        """ "author", "title", or None for an ordinary question."""
        best = [float((v @ query_vector).max()) for v in self._vectors]
        order = np.argsort(best)[::-1]
        top = best[order[0]]
        runner_up = best[order[1]] if len(order) > 1 else 0.0
        if top >= INTENT_THRESHOLD and top - runner_up >= INTENT_MARGIN:
            return self._names[order[0]]
        return None


def metadata_hit(doc: Document, intent: str, rank: int = 1) -> PassageHit | None:
    """The byline (with its affiliation) or the title, cited like a passage."""
    span: Span | None = doc.author if intent == "author" else doc.title
    if span is None:
        return None
    start, end = span.start, span.end
    if intent == "author" and doc.affiliation is not None and doc.affiliation.start > end:
        end = doc.affiliation.end
    anchor = "author" if intent == "author" else "title"
    return PassageHit(
        rank=rank,
        score=1.0,
        text=doc.source[start:end],
        highlight=span.text,
        citation=Citation(
            id=f"{doc.id}#{anchor}",
            document=doc.id,
            title=doc.title.text if doc.title else None,
            author=doc.author.text if doc.author else None,
            section=None,
            paragraph=None,
            start=start,
            end=end,
            url=f"/documents/{doc.id}#{anchor}",
        ),
    )
