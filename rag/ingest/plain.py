"""Turn a scraped plain-text or Markdown article into metadata and citable passages.

Scraped news pages share one shape: a breadcrumb, a title, body paragraphs
(some bulleted) under short headings, an author byline with an affiliation,
then site boilerplate ("related articles", "back to top"). The rules below
detect that shape from line length and punctuation rather than from one
site's markup, so they hold for Arabic and English pages alike.

Every span keeps exact offsets into the source text; nothing is rewritten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from rag.documents import Document, Passage, Span
from rag.text.language import detect_language

# A line that is a heading, title or byline is short and does not end like a sentence.
MAX_SHORT_WORDS = 12
MAX_SHORT_CHARS = 100
_TERMINAL = tuple(".!?؟:;؛،,…")
# ...except a short question: "What happens next?" is a heading (or a title).
MAX_QUESTION_WORDS = 8
_QUESTION = tuple("?؟")

_BULLET = re.compile(r"^(?:[•·▪●◦‣⁃\-\*–—]|\d{1,3}[.)])\s+")
_MD_HEADING = re.compile(r"^(#{1,6})\s+")
# "Title" over a line of = or - is a heading (setext); ---, *** or ___ alone is a rule.
_MD_UNDERLINE = re.compile(r"^(?:=+|-+)$")
_MD_RULE = re.compile(r"^([-*_])(?:\s*\1){2,}$")
# A line wholly in emphasis ("*By Sam Lee*", "**Uses**"): the markers are not text.
_MD_EMPHASIS = re.compile(r"^(\*{1,3}|_{1,3})(?=\S)(.+?)(?<=\S)\1$")
_BYLINE = re.compile(
    r"^(?:by|written by|words by|بقلم|كتب|كتبه|كتبت|إعداد|اعداد)\s*[:：]?\s+(?P<name>.+)$",
    re.IGNORECASE,
)
_BREADCRUMB_SEPARATORS = re.compile(r"[›»>/|]")
# A dateline ("Tuesday 14 May 2024", "Updated 10:32 GMT", "١٤ مايو ٢٠٢٤"): numbers
# plus only calendar words. It is not a title.
_CALENDAR = (
    "jan feb mar apr may jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun "
    "updated published posted last gmt utc am pm at on st nd rd th "
    "يناير فبراير مارس أبريل ابريل مايو يونيو يوليو أغسطس اغسطس سبتمبر أكتوبر اكتوبر نوفمبر "
    "ديسمبر كانون شباط آذار نيسان أيار حزيران تموز آب أيلول تشرين الأول الثاني الأحد الاثنين "
    "الثلاثاء الأربعاء الخميس الجمعة السبت نشر نشرت تحديث آخر في م هـ"
)
_CALENDAR_WORDS = frozenset(_CALENDAR.split())


def _is_dateline(text: str) -> bool:
    words = re.findall(r"\w+", text.casefold())
    if not any(w.isdigit() for w in words):
        return False
    return all(w.isdigit() or w in _CALENDAR_WORDS or w[:3] in _CALENDAR_WORDS for w in words)


# Site chrome. Once a "terminator" appears, the article is over: what follows is
# lists of other articles, tags and footers.
_TERMINATORS = (
    "مقالات ذات صلة",
    "اقرأ أيضا",
    "اقرأ أيضًا",
    "مواضيع ذات صلة",
    "أخبار ذات صلة",
    "related articles",
    "related stories",
    "read more",
    "more stories",
    "you may also like",
)
_BOILERPLATE = _TERMINATORS + (
    "زر الذهاب إلى الأعلى",
    "العودة إلى الأعلى",
    "شارك",
    "شارك المقال",
    "back to top",
    "share",
    "share this article",
    "advertisement",
    "subscribe",
)


@dataclass(frozen=True)
class _Line:
    start: int
    end: int
    text: str
    kind: str = "text"  # text | bullet | heading (markdown) | boilerplate


def parse_document(
    source: str, doc_id: str, path: str = "", markdown: bool | None = None
) -> Document:
    """`markdown` defaults to whether `path` ends in .md."""
    if markdown is None:
        markdown = path.lower().endswith(".md")
    lines = _split_lines(source, markdown)
    lines = _drop_boilerplate(lines)
    doc = Document(id=doc_id, path=path, language=detect_language(source), source=source)

    body = [i for i, line in enumerate(lines) if _is_body(line)]
    first_body = body[0] if body else len(lines)
    last_body = body[-1] if body else len(lines) - 1

    _read_header(doc, lines[:first_body])
    _read_trailer(doc, lines[last_body + 1 :])

    # A heading above the first paragraph (markdown "## Intro") already opens a section.
    section: str | None = doc.headings[-1].text if doc.headings else None
    paragraph = 0
    for line in lines[first_body : last_body + 1]:
        if _is_body(line):
            paragraph += 1
            doc.passages.append(
                Passage(doc_id, paragraph, section, line.start, line.end, line.text)
            )
        else:
            if doc.author is None and _set_byline(doc, line):
                continue
            doc.headings.append(Span(line.start, line.end, line.text))
            section = line.text
    return doc


def _split_lines(source: str, markdown: bool) -> list[_Line]:
    """Non-empty lines with stripped offsets; markdown paragraphs are joined."""
    lines: list[_Line] = []
    offset = 0
    previous_blank = True
    for raw in source.splitlines(keepends=True):
        start, end = offset, offset + len(raw.rstrip("\r\n"))
        offset += len(raw)
        content = source[start:end]
        stripped = content.strip()
        if not stripped:
            previous_blank = True
            continue
        start += len(content) - len(content.lstrip())
        end = start + len(stripped)
        kind = "text"
        if markdown and _MD_UNDERLINE.match(stripped) and not previous_blank and lines:
            if lines[-1].kind == "text":
                lines[-1] = replace(lines[-1], kind="heading")
            continue
        if markdown and _MD_RULE.match(stripped):
            previous_blank = True
            continue
        m = _MD_EMPHASIS.match(stripped) if markdown else None
        if m and m.group(1)[0] not in m.group(2):
            start, end = start + len(m.group(1)), end - len(m.group(1))
            stripped = m.group(2)
        if markdown and (m := _MD_HEADING.match(stripped)):
            start += m.end()
            kind = "heading"
        elif m := _BULLET.match(stripped):
            start += m.end()
            kind = "bullet"
        elif markdown and not previous_blank and lines and lines[-1].kind in ("text", "bullet"):
            # A hard-wrapped markdown paragraph (or list item) continues until a blank line.
            prev = lines.pop()
            start = prev.start
        lines.append(_Line(start, end, source[start:end], kind))
        previous_blank = False
    return lines


def _normal(text: str) -> str:
    return re.sub(r"[\s\W_]+", " ", text, flags=re.UNICODE).strip().casefold()


_BOILERPLATE_NORMAL = {_normal(b) for b in _BOILERPLATE}
_TERMINATOR_NORMAL = {_normal(b) for b in _TERMINATORS}


def _drop_boilerplate(lines: list[_Line]) -> list[_Line]:
    kept: list[_Line] = []
    for line in lines:
        normal = _normal(line.text)
        if normal in _TERMINATOR_NORMAL:
            break
        # Scrapers glue widgets to the next word: "زر الذهاب إلى الأعلى18".
        if normal in _BOILERPLATE_NORMAL or normal.rstrip("0123456789 ") in _BOILERPLATE_NORMAL:
            continue
        kept.append(line)
    return kept


def _is_short(line: _Line) -> bool:
    text = line.text
    words = len(text.split())
    if len(text) > MAX_SHORT_CHARS:
        return False
    if text.endswith(_QUESTION):
        return words <= MAX_QUESTION_WORDS
    return words <= MAX_SHORT_WORDS and not text.endswith(_TERMINAL)


def _is_body(line: _Line) -> bool:
    if line.kind == "heading":
        return False
    return line.kind == "bullet" or not _is_short(line)


_BYLINE_SEPARATOR = re.compile(r"\s*[,،|]\s*")


def _byline_parts(line: _Line) -> tuple[Span, Span | None] | None:
    """Split a byline: "By Jane Doe, Reuters" gives the author, then the affiliation."""
    m = _BYLINE.match(line.text)
    if not m or len(line.text.split()) > 8:
        return None
    name = m.group("name").strip()
    name = re.split(r"\s+(?:and|و)\s+(?=[A-Z])", name)[0]
    start = line.start + m.start("name")
    sep = _BYLINE_SEPARATOR.search(name)
    if sep is None:
        return Span(start, start + len(name), name), None
    author = name[: sep.start()]
    if not author:
        return None
    rest = name[sep.end() :]
    rest = rest[: m2.start()] if (m2 := _BYLINE_SEPARATOR.search(rest)) else rest
    rest_start = start + sep.end()
    affiliation = None
    if rest and not _is_dateline(rest):
        affiliation = Span(rest_start, rest_start + len(rest), rest)
    return Span(start, start + len(author), author), affiliation


def _set_byline(doc: Document, line: _Line) -> bool:
    """Record `line` as the byline if it is one and no author is known yet."""
    parts = _byline_parts(line)
    if parts is None:
        return False
    if doc.author is None:
        doc.author = parts[0]
        if doc.affiliation is None:
            doc.affiliation = parts[1]
    return True


def _read_header(doc: Document, lines: list[_Line]) -> None:
    """Lines before the first paragraph: breadcrumbs, the title, maybe a byline."""
    candidates = [line for line in lines if not _set_byline(doc, line)]
    # The title is the last short line above the body that is neither a
    # breadcrumb nor a dateline; a markdown "# Title" wins outright.
    titled = [c for c in candidates if c.kind == "heading"]
    plain = [c for c in candidates if not _BREADCRUMB_SEPARATORS.search(c.text)]
    undated = [c for c in plain if not _is_dateline(c.text)]
    plain = undated or plain
    chosen = titled[0] if titled else (plain[-1] if plain else None)
    if chosen is None and candidates:
        chosen = candidates[-1]
    if chosen is not None:
        doc.title = Span(chosen.start, chosen.end, chosen.text)
    for line in candidates:
        # Markdown subheadings above the first paragraph are still headings.
        if line is not chosen and line.kind == "heading":
            doc.headings.append(Span(line.start, line.end, line.text))


def _read_trailer(doc: Document, lines: list[_Line]) -> None:
    """Short lines after the last paragraph: the byline, then the affiliation."""
    rest = [line for line in lines if not (doc.author is None and _set_byline(doc, line))]
    if doc.author is None and rest:
        first = rest.pop(0)
        doc.author = Span(first.start, first.end, first.text)
    if rest and doc.affiliation is None:
        doc.affiliation = Span(rest[0].start, rest[0].end, rest[0].text)
