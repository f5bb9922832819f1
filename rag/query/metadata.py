"""Questions about the article itself ("who wrote this?"), answered from its metadata.

`rag.query.intents` tells such questions apart; this module builds the answer: the
byline or the title, cited like a passage with a `#author` or `#title` anchor.
"""

from __future__ import annotations

from rag.documents import Document, Span
from rag.responses import Citation, PassageHit


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
