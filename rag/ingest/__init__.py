"""Documents in: files, HTML pages, feeds, the document API, all to one `Document`.

Every entry point ends in `parse_text`: plain text and Markdown go through
`rag.ingest.plain`, HTML through trafilatura (`rag.ingest.html`), and every
result through `fit_window` (passages within the model's window) and the
size cap. A file that cannot be read raises `UnreadableDocument`; `collect`
turns that into one skipped line and carries on.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from rag.documents import Document
from rag.errors import RagError
from rag.ingest.files import (
    HTML_SUFFIXES,
    SUPPORTED_SUFFIXES,
    TEXT_SUFFIXES,
    UnreadableDocument,
    decode,
    read_bytes,
)
from rag.ingest.passages import fit_window
from rag.ingest.plain import parse_document

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Collected",
    "IngestLimits",
    "UnreadableDocument",
    "collect",
    "discover",
    "document_id",
    "load_document",
    "parse_document",
    "parse_text",
]

FORMATS = ("html", "markdown", "text")
_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,127}$")


@dataclass(frozen=True)
class IngestLimits:
    """RAG_MAX_DOCUMENT_BYTES and RAG_MAX_DOCUMENT_CHARS (see rag/config.py)."""

    max_bytes: int = 20_000_000
    max_chars: int = 30_000


@dataclass
class Collected:
    documents: list[Document] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why)
    notes: list[tuple[str, str]] = field(default_factory=list)  # indexed, with a caveat


def document_id(path: Path) -> str:
    """`putin-beijing.ar.txt` -> `putin-beijing`: the name up to its first dot."""
    return path.name.split(".", 1)[0]


def valid_id(doc_id: str) -> bool:
    return bool(_ID.match(doc_id))


def format_of(path: Path | str) -> str | None:
    suffix = Path(str(path)).suffix.lower()
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix == ".md":
        return "markdown"
    if suffix in TEXT_SUFFIXES:
        return "text"
    return None


def discover(seeds_dir: Path) -> list[Path]:
    """Every supported document under `seeds_dir`, in a stable order."""
    return [p for p in _files(seeds_dir) if format_of(p)]


def _files(folder: Path) -> list[Path]:
    # Hidden files (.gitkeep, editor swap files) are not documents, nor worth a line.
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def parse_text(
    text: str,
    kind: str,
    doc_id: str,
    path: str = "",
    url: str | None = None,
    title: str | None = None,
    published: str | None = None,
    limits: IngestLimits | None = None,
    notes: list[str] | None = None,
) -> Document:
    """One document from its text; `kind` is html, markdown or text.

    Caveats for an indexed document (it was cut to the size cap) go to `notes`.
    """
    limits = limits or IngestLimits()
    if kind == "html":
        from rag.ingest.html import extract, to_document

        found = extract(text, url)
        if title:
            found.title = title
        doc = to_document(found, doc_id, path)
    else:
        if title:
            text = (f"# {title}" if kind == "markdown" else title) + "\n\n" + text
        doc = parse_document(text, doc_id, path, markdown=kind == "markdown")
        doc.url = url
    if published:
        doc.published = published
    if doc.published:
        doc.published = normalise_date(doc.published)
    if not doc.passages:
        raise UnreadableDocument("no body paragraph found")
    cut = _cap(doc, limits.max_chars)
    if cut and notes is not None:
        notes.append(cut)
    return fit_window(doc)


def _cap(doc: Document, max_chars: int) -> str | None:
    """Keep the passages within the first `max_chars` characters (a mis-scraped dump)."""
    if len(doc.source) <= max_chars:
        return None
    kept = [p for p in doc.passages if p.end <= max_chars]
    if not kept:
        # One paragraph over the cap: keep its head, cut at whitespace.
        first = doc.passages[0]
        stop = doc.source.rfind(" ", first.start, max_chars)
        stop = stop if stop > first.start else max_chars
        from dataclasses import replace

        kept = [replace(first, end=stop, text=doc.source[first.start : stop])]
    doc.passages = kept
    return f"{len(doc.source)} characters: indexed the first {max_chars} (RAG_MAX_DOCUMENT_CHARS)"


def normalise_date(value: str) -> str:
    """ISO 8601 as given ("2024-05-14" or a timestamp), or a ValueError naming it."""
    text = value.strip()
    try:
        if len(text) == 10:
            return _dt.date.fromisoformat(text).isoformat()
        return _dt.datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat()
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO 8601 date (like 2024-05-14)") from None


def load_document(
    path: Path,
    doc_id: str | None = None,
    limits: IngestLimits | None = None,
    notes: list[str] | None = None,
) -> Document:
    """One file as a Document, or UnreadableDocument saying why not."""
    limits = limits or IngestLimits()
    kind = format_of(path)
    if kind is None:
        raise UnreadableDocument(
            f"unsupported type {path.suffix or '(no suffix)'!r}; "
            f"supported: {', '.join(SUPPORTED_SUFFIXES)}"
        )
    text = decode(read_bytes(path, limits.max_bytes), html=kind == "html")
    try:
        return parse_text(
            text, kind, doc_id or document_id(path), str(path), limits=limits, notes=notes
        )
    except ValueError as exc:  # a page whose own date is not a date
        raise UnreadableDocument(str(exc)) from exc


def collect(
    folders: list[Path], limits: IngestLimits | None = None, extra: list[Document] | None = None
) -> Collected:
    """Every readable document under `folders` (and `extra`), skipping the rest."""
    result = Collected()
    seen: dict[str, str] = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in _files(folder):
            notes: list[str] = []
            try:
                doc = load_document(path, limits=limits, notes=notes)
            except UnreadableDocument as exc:
                result.skipped.append((str(path), str(exc)))
                continue
            if doc.id in seen:
                raise RagError(
                    f"two seed files map to the same document id {doc.id!r}: "
                    f"{seen[doc.id]} and {path}"
                )
            seen[doc.id] = str(path)
            result.documents.append(doc)
            result.notes.extend((str(path), note) for note in notes)
    ids = {d.id for d in extra or []}
    result.documents = [d for d in result.documents if d.id not in ids] + list(extra or [])
    return result
