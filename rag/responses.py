"""The answer shapes shared by the HTTP API and `rag ask --json`.

They follow the contract in DESIGN.md field for field: the widget and outside
clients are built against it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

if TYPE_CHECKING:
    from rag.documents import Document


class Citation(BaseModel):
    id: str = Field(description="Stable passage id, `<document>#p<paragraph>`.")
    document: str
    title: str | None = None
    author: str | None = None
    section: str | None = Field(None, description="Heading the paragraph sits under.")
    paragraph: int | None = Field(
        None, description="1-based body paragraph number; null for title/byline citations."
    )
    start: int = Field(description="Offset into the document source text.")
    end: int = Field(description="`source[start:end]` is the cited text, verbatim.")
    url: str = Field(description="Opens the source with this paragraph highlighted.")
    published: str | None = Field(
        None, description="The document's publication date (ISO 8601), or null when unknown."
    )


class PassageHit(BaseModel):
    rank: int
    score: float
    text: str = Field(description="The whole paragraph, verbatim.")
    highlight: str = Field(description="The sentence of the paragraph that best answers.")
    citation: Citation


class Answer(BaseModel):
    text: str = Field(description="Best supporting sentence(s), verbatim from the source.")
    citations: list[int] = Field(description="Ranks of the passages the answer comes from.")


class AskResponse(BaseModel):
    id: str | None = Field(
        None, description="This answer's id, for POST /feedback (null outside the HTTP API)."
    )
    question: str
    language: str
    answer: Answer | None = Field(description="Null when nothing is a confident match.")
    passages: list[PassageHit]
    took_ms: float


class ParagraphOut(BaseModel):
    paragraph: int
    section: str | None
    start: int
    end: int
    text: str


class DocumentSummary(BaseModel):
    id: str
    title: str | None
    author: str | None
    language: str
    paragraphs: int
    url: str


class DocumentOut(BaseModel):
    id: str
    title: str | None
    author: str | None
    affiliation: str | None
    language: str
    text: str = Field(description="The full source text the citation offsets index into.")
    sections: list[str]
    paragraphs: list[ParagraphOut]
    published: str | None = Field(None, description="Publication date (ISO 8601), if known.")
    source_url: str | None = Field(None, description="The original page, if known.")
    site: str | None = Field(None, description="The publisher's site name, if known.")


class Limits(BaseModel):
    max_question_chars: int = Field(description="Longest question /ask accepts.")
    max_top_k: int = Field(description="Largest `top_k` /ask accepts.")


class RateLimitHealth(BaseModel):
    per_minute: int = Field(description="Questions a client may ask per minute; 0 is no limit.")
    storage: str = Field(description="`memory` (this replica alone) or `redis` (shared).")
    shared: bool = Field(
        description="Counted in the shared storage now: false on `memory`, and while Redis "
        "is unreachable and this replica counts on its own."
    )


class QuestionLogHealth(BaseModel):
    status: str = Field(description="`ok`, `failing` (writes fail; answers do not) or `off`.")
    pending: int = Field(description="Records queued, not yet written.")
    written: int = Field(description="Records written since the server started.")
    dropped: int = Field(description="Records lost: the database failed or the queue was full.")
    detail: str | None = Field(None, description="The last write failure, while failing.")


class Health(BaseModel):
    status: str = Field(description="`ok`, or `unavailable` while no usable index is loaded.")
    passages: int
    documents: int
    model: str
    index: str | None = Field(None, description="Generation of the loaded index.")
    detail: str | None = Field(
        None,
        description="Why the index is unavailable, or why the last reload failed "
        "(the previous index then keeps serving, with status `ok`).",
    )
    limits: Limits | None = Field(None, description="This server's input limits (the widget's).")
    rate_limit: RateLimitHealth | None = Field(None, description="How /ask is rate limited.")
    question_log: QuestionLogHealth | None = Field(
        None, description="The question log; a failure here never fails an answer."
    )


def document_out(doc: Document) -> DocumentOut:
    return DocumentOut(
        id=doc.id,
        title=doc.title.text if doc.title else None,
        author=doc.author.text if doc.author else None,
        affiliation=doc.affiliation.text if doc.affiliation else None,
        language=doc.language,
        text=doc.source,
        sections=[h.text for h in doc.headings],
        paragraphs=[
            ParagraphOut(
                paragraph=p.paragraph, section=p.section, start=p.start, end=p.end, text=p.text
            )
            for p in doc.passages
        ],
        published=doc.published,
        source_url=doc.url,
        site=doc.site,
    )
