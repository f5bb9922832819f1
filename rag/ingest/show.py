"""What `rag parse` prints: a readable outline, or GET /documents/{id} as JSON lines."""

from __future__ import annotations

import json

from rag.documents import Document


def as_json(doc: Document) -> str:
    """One line, exactly the JSON GET /documents/{id} answers with."""
    from rag.responses import document_out

    return json.dumps(document_out(doc).model_dump(mode="json"), ensure_ascii=False)


def outline(doc: Document, width: int = 100) -> str:
    """Title, author, date and the paragraphs under their sections."""
    lines = [f"{doc.id}  ({doc.path}, {doc.language}, {len(doc.passages)} paragraphs)"]
    for label, value in (
        ("title", doc.title.text if doc.title else None),
        ("author", doc.author.text if doc.author else None),
        ("published", doc.published),
        ("site", doc.site),
        ("url", doc.url),
    ):
        if value:
            lines.append(f"  {label}: {value}")
    section: str | None = None
    for p in doc.passages:
        if p.section != section and p.section:
            lines.append(f"  ## {p.section}")
        section = p.section
        text = p.text if len(p.text) <= width else p.text[: width - 1] + "…"
        lines.append(f"  ¶{p.paragraph} [{p.start}:{p.end}] {text}")
    return "\n".join(lines)
