"""Bytes to text, or a one-line reason why not.

Publishers' archives hold files in every state: UTF-8, UTF-8 with a BOM, an
Arabic site's windows-1256, a PDF saved with an `.html` name, an empty export.
A file that cannot be read must never stop the others, so every failure here is
an `UnreadableDocument` whose message names the file and says why.

Encodings: UTF-8 first (strict); then, for HTML, the charset the page declares;
then charset-normalizer's guess, accepted only when it decodes the whole file
and the result looks like text. Arabic pages in windows-1256 are detected this
way (a test writes one).
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from rag.errors import RagError

TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES

# Control characters other than tab, newline, carriage return and form feed: text
# files have next to none, binary files are full of them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_MAX_CONTROL_SHARE = 0.01
_DECLARED_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
# Binary formats often saved under a text name: PDF, ZIP/docx, images, gzip.
_MAGIC = (b"%PDF", b"PK\x03\x04", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"\x1f\x8b")


class UnreadableDocument(RagError):
    """A file or page that cannot be indexed; the message says why in a few words."""


def read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise UnreadableDocument(
                f"{size} bytes, over the {max_bytes}-byte limit (RAG_MAX_DOCUMENT_BYTES)"
            )
        return path.read_bytes()
    except OSError as exc:
        raise UnreadableDocument(f"cannot be read ({exc.strerror or exc})") from exc


def decode(data: bytes, html: bool = False) -> str:
    """The text of `data`, or UnreadableDocument (binary, empty, undecodable)."""
    if not data.strip():
        raise UnreadableDocument("empty")
    if data.startswith(_MAGIC) or b"\x00" in data[:8192]:
        raise UnreadableDocument("binary content, not text")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return _checked(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    for encoding in _candidates(data, html):
        try:
            return _checked(data.decode(encoding))
        except (UnicodeDecodeError, LookupError):
            continue
        except UnreadableDocument:
            break
    raise UnreadableDocument("not valid UTF-8, and no other text encoding fits")


def _candidates(data: bytes, html: bool) -> list[str]:
    encodings = []
    if html and (m := _DECLARED_CHARSET.search(data[:4096])):
        encodings.append(m.group(1).decode("ascii", "replace"))
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None:
        encodings.append(best.encoding)
    return encodings


def _checked(text: str) -> str:
    if not text.strip():
        raise UnreadableDocument("empty")
    sample = text[:65536]
    if len(_CONTROL.findall(sample)) > _MAX_CONTROL_SHARE * len(sample):
        raise UnreadableDocument("binary content, not text")
    return text
