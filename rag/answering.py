"""From ranked passages to the response: highlights, the answer, no-answer.

No-answer calibration
---------------------
multilingual-e5 similarities are compressed: almost any two texts score above
0.7, so "0.5 means related" is meaningless here. Two measured signals decide
(`rag eval` prints the decision for every question; figures below are from the
dev, held-out and out-of-scope sets with e5-small):

1. Absolute: the top passage's similarity, max(paragraph, best sentence).
   It runs lower across languages (English question, Arabic text) than
   within one, so each pair has its own floor. Same language: in-scope
   questions scored >= 0.82, out-of-scope ones <= 0.78 ("ما هي عاصمة
   البرازيل؟" 0.76). Across languages: in-scope >= 0.79, out-of-scope
   <= 0.76 ("What is the capital of Brazil?" 0.75, "How do I bake bread?"
   0.76).
2. Relative: how far the best sentence stands out from a typical sentence of
   the corpus (its similarity minus the median over a fixed sample). A
   question the corpus answers lifts one sentence (in-scope >= 0.029); one it
   cannot answer lifts none (most out-of-scope <= 0.028).

Both must pass. Each floor sits nearer the out-of-scope side: withholding an
answer the reader could use costs more than showing a weak one with its
passages underneath, which are listed either way. Known miss: greetings such as
"hello" score like real questions and still get an answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rag.documents import Document, Passage
from rag.index.store import LoadedIndex
from rag.metadata import MetadataIntents, metadata_hit
from rag.responses import Answer, Citation, PassageHit
from rag.retrieval import Retriever, ScoredPassage
from rag.text.language import detect_language

SAME_LANGUAGE_FLOOR = 0.80
CROSS_LANGUAGE_FLOOR = 0.775
MIN_LIFT = 0.025


@dataclass(frozen=True)
class Confidence:
    score: float
    lift: float
    floor: float

    @property
    def confident(self) -> bool:
        return self.score >= self.floor and self.lift >= MIN_LIFT


def citation_for(doc: Document, passage: Passage) -> Citation:
    return Citation(
        id=passage.id,
        document=doc.id,
        title=doc.title.text if doc.title else None,
        author=doc.author.text if doc.author else None,
        section=passage.section,
        paragraph=passage.paragraph,
        start=passage.start,
        end=passage.end,
        url=f"/documents/{doc.id}#p{passage.paragraph}",
    )


def highlight_of(index: LoadedIndex, hit: ScoredPassage) -> str:
    passage = index.passages[hit.row]
    if hit.best_sentence is None:
        return passage.text
    doc = index.documents[passage.document]
    table = index.sentences
    return doc.source[int(table.starts[hit.best_sentence]) : int(table.ends[hit.best_sentence])]


def passage_hits(
    index: LoadedIndex, hits: list[ScoredPassage], first_rank: int = 1
) -> list[PassageHit]:
    out = []
    for rank, hit in enumerate(hits, start=first_rank):
        passage = index.passages[hit.row]
        doc = index.documents[passage.document]
        out.append(
            PassageHit(
                rank=rank,
                score=round(hit.score, 4),
                text=passage.text,
                highlight=highlight_of(index, hit),
                citation=citation_for(doc, passage),
            )
        )
    return out


def confidence_of(
    index: LoadedIndex,
    retriever: Retriever,
    question: str,
    vector: np.ndarray,
    hits: list[ScoredPassage],
) -> Confidence:
    if not hits:
        return Confidence(0.0, 0.0, SAME_LANGUAGE_FLOOR)
    top = hits[0]
    doc = index.documents[index.passages[top.row].document]
    same = detect_language(question) == doc.language
    return Confidence(
        score=max(top.sentence, top.dense),
        lift=top.sentence - retriever.typical_sentence_similarity(vector),
        floor=SAME_LANGUAGE_FLOOR if same else CROSS_LANGUAGE_FLOOR,
    )


def respond(
    index: LoadedIndex,
    retriever: Retriever,
    intents: MetadataIntents | None,
    question: str,
    vector: np.ndarray,
    top_k: int,
    document: str | None = None,
) -> tuple[Answer | None, list[PassageHit]]:
    """The answer (or None) and the ranked passages for one question."""
    hits = retriever.search(question, vector, top_k, document)
    intent = intents.classify(vector) if intents is not None and hits else None
    if intent is not None:
        doc = index.documents[index.passages[hits[0].row].document]
        meta = metadata_hit(doc, intent)
        if meta is not None:
            rest = passage_hits(index, hits[: top_k - 1], first_rank=2)
            return Answer(text=meta.highlight, citations=[1]), [meta, *rest]
    passages = passage_hits(index, hits)
    confidence = confidence_of(index, retriever, question, vector, hits)
    if not passages or not confidence.confident:
        return None, passages
    return Answer(text=passages[0].highlight, citations=[1]), passages
