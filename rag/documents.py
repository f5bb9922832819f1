"""The data model shared by ingestion, the index and both front ends."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Span:
    """A verbatim piece of a document's source: `source[start:end] == text`."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Passage:
    """One body paragraph: the unit that is retrieved and cited."""

    document: str
    paragraph: int  # 1-based among the document's body paragraphs
    section: str | None
    start: int
    end: int
    text: str

    @property
    def id(self) -> str:
        return f"{self.document}#p{self.paragraph}"


@dataclass
class Document:
    id: str
    path: str
    language: str
    source: str
    title: Span | None = None
    author: Span | None = None
    affiliation: Span | None = None
    headings: list[Span] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    # Known for HTML pages, feed entries and documents pushed by a CMS.
    url: str | None = None  # the original page
    published: str | None = None  # ISO 8601 date
    site: str | None = None

    @property
    def content_hash(self) -> str:
        # Metadata joins the hash only when present, so plain files keep their old hash
        # (and their vectors) while a changed date or URL still rewrites the document.
        extra = [v for v in (self.url, self.published, self.site) if v]
        return content_hash(self.source + "\x00" + "\x00".join(extra) if extra else self.source)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Document:
        def span(value: dict | None) -> Span | None:
            return Span(**value) if value else None

        return cls(
            id=data["id"],
            path=data["path"],
            language=data["language"],
            source=data["source"],
            title=span(data.get("title")),
            author=span(data.get("author")),
            affiliation=span(data.get("affiliation")),
            headings=[Span(**h) for h in data.get("headings", [])],
            passages=[Passage(**p) for p in data.get("passages", [])],
            url=data.get("url"),
            published=data.get("published"),
            site=data.get("site"),
        )


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
