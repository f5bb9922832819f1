"""From ranked passages to the response: highlights, the answer, no-answer.

No-answer calibration. multilingual-e5 cosine similarities are compressed:
almost any two texts score above 0.7, so a fixed "0.5 means related" rule is
meaningless. What separates answerable from unanswerable questions here is the
best *sentence* similarity of the top passage. `make eval` prints it for every
dev question; on the dev set the in-scope questions' top sentence scores sit
above the out-of-scope probes ("What is the capital of Brazil?", "How do I bake
bread?", in both languages). The threshold sits in the gap, closer to the
out-of-scope side, because wrongly withholding an answer a reader could use
costs more than showing a weak one with its passages listed underneath.
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.documents import Document, Passage
from rag.index.store import LoadedIndex
from rag.responses import Answer, Citation, PassageHit
from rag.retrieval import ScoredPassage

# See the module docstring; `rag eval` reports the margin on both sides.
NO_ANSWER_THRESHOLD = 0.84


@dataclass(frozen=True)
class Confidence:
    score: float
    threshold: float

    @property
    def confident(self) -> bool:
        return self.score >= self.threshold


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


def passage_hits(index: LoadedIndex, hits: list[ScoredPassage]) -> list[PassageHit]:
    out = []
    for rank, hit in enumerate(hits, start=1):
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


def confidence_of(hits: list[ScoredPassage], threshold: float = NO_ANSWER_THRESHOLD) -> Confidence:
    if not hits:
        return Confidence(0.0, threshold)
    top = hits[0]
    return Confidence(max(top.sentence, top.dense), threshold)


def compose_answer(passages: list[PassageHit], confidence: Confidence) -> Answer | None:
    if not passages or not confidence.confident:
        return None
    return Answer(text=passages[0].highlight, citations=[1])
