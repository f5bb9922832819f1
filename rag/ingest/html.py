"""An HTML article page as a Document: trafilatura extracts, htmldate dates.

trafilatura drops navigation, related links, comments and other boilerplate,
and gives the title, author, site name, date (through htmldate), headings and
body paragraphs as XML. The document's source text is built here from those
parts, one block per line pair:

    title
    author
    heading / paragraph / list item ...

so citation offsets index into that extracted text, which GET /documents/{id}
serves, and `source[start:end] == text` holds for every span.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from rag.documents import Document, Passage, Span
from rag.ingest.files import UnreadableDocument
from rag.text.language import detect_language

_SPACE = re.compile(r"\s+")


@dataclass
class Extracted:
    title: str | None = None
    author: str | None = None
    date: str | None = None
    site: str | None = None
    url: str | None = None
    blocks: list[tuple[str, str]] = field(default_factory=list)  # (heading|paragraph, text)


@functools.cache
def _trafilatura():  # noqa: ANN202 - the module, imported once and lazily
    try:
        import trafilatura
    except ImportError as exc:
        raise UnreadableDocument(
            f"HTML needs trafilatura ({exc}); install it with `pip install trafilatura "
            "lxml_html_clean htmldate`"
        ) from exc
    return trafilatura


def extract(html: str, url: str | None = None) -> Extracted:
    """Metadata and body blocks of an article page, boilerplate dropped."""
    trafilatura = _trafilatura()
    try:
        xml = trafilatura.extract(
            html,
            url=url,
            output_format="xml",
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            include_links=False,
            include_images=False,
            favor_precision=True,
            # Short news pages (a brief, a correction) are articles too.
            config=_config(),
        )
    except (ValueError, TypeError) as exc:
        raise UnreadableDocument(f"not an HTML page trafilatura can read ({exc})") from exc
    if not xml:
        raise UnreadableDocument("no article text found in the HTML page")
    from lxml import etree

    root = etree.fromstring(xml.encode("utf-8"))
    found = Extracted(
        title=_clean(root.get("title")),
        author=_clean(root.get("author")),
        date=_clean(root.get("date")),
        site=_clean(root.get("sitename")),
        url=url or _clean(root.get("url")),
    )
    main = root.find("main")
    if main is not None:
        for element in main.iter("head", "p", "item", "quote"):
            if element.tag == "p" and element.getparent().tag in ("item", "quote"):
                continue
            text = _clean("".join(element.itertext()))
            if text:
                kind = "heading" if element.tag == "head" else "paragraph"
                found.blocks.append((kind, text))
    if not any(kind == "paragraph" for kind, _ in found.blocks):
        raise UnreadableDocument("no article text found in the HTML page")
    return found


@functools.cache
def _config():  # noqa: ANN202 - a ConfigParser
    from trafilatura.settings import use_config

    config = use_config()
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "50")
    config.set("DEFAULT", "MIN_OUTPUT_SIZE", "20")
    # Extraction is a pure function of the page: no timer thread per call.
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
    return config


def _clean(text: str | None) -> str | None:
    text = _SPACE.sub(" ", text or "").strip()
    return text or None


def parse_html(html: str, doc_id: str, path: str = "", url: str | None = None) -> Document:
    """The Document of an HTML page; its source is the extracted text."""
    return to_document(extract(html, url), doc_id, path)


def to_document(found: Extracted, doc_id: str, path: str = "") -> Document:
    parts: list[str] = []
    offset = 0

    def add(text: str) -> Span:
        nonlocal offset
        if parts:
            parts.append("\n\n")
            offset += 2
        span = Span(offset, offset + len(text), text)
        parts.append(text)
        offset += len(text)
        return span

    title = add(found.title) if found.title else None
    author = add(found.author) if found.author else None
    headings: list[Span] = []
    passages: list[Passage] = []
    section: str | None = None
    for kind, text in found.blocks:
        if kind == "heading":
            if title and text == title.text:
                continue  # the page's <h1> is the title again
            headings.append(add(text))
            section = text
        elif not (title and text == title.text):  # some pages repeat the title in the body
            span = add(text)
            passages.append(Passage(doc_id, len(passages) + 1, section, span.start, span.end, text))
    source = "".join(parts)
    return Document(
        id=doc_id,
        path=path,
        language=detect_language(source),
        source=source,
        title=title,
        author=author,
        headings=headings,
        passages=passages,
        url=found.url,
        published=found.date,
        site=found.site,
    )
