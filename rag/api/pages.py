"""HTML pages for people: a document to read, with one anchor per cited paragraph.

Every piece of document text goes through `html.escape`: scraped articles can
contain `<script>`, event-handler attributes or `javascript:` links, and here
they must stay visible text. No text is ever turned into a link. The pages run
no script at all; the `:target` rule alone highlights `/documents/x#p12`.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape
from urllib.parse import quote

from rag.documents import Document, Passage, Span
from rag.responses import DocumentSummary
from rag.text.language import text_direction

CSS = """\
:root{color-scheme:light dark;--bg:#fdfcf8;--fg:#1f1f22;--muted:#6b6b72;--rule:#e4e0d6;\
--mark:#fff0a6;--accent:#0b5cad}
@media (prefers-color-scheme:dark){:root{--bg:#16161a;--fg:#ececef;--muted:#a2a2ab;\
--rule:#2d2d33;--mark:#574800;--accent:#80bbff}}
*{box-sizing:border-box}
html{background:var(--bg);color:var(--fg)}
body{margin:0;font:1.125rem/1.75 Charter,Georgia,"Times New Roman",serif}
:lang(ar){font-family:"Noto Naskh Arabic",Amiri,"Geeza Pro","Traditional Arabic",\
"Segoe UI",Tahoma,serif}
body:lang(ar){font-size:1.22rem;line-height:2}
main{max-width:42rem;margin:0 auto;padding:2rem 1.25rem 6rem}
nav{font:.9rem/1.5 system-ui,sans-serif;margin-bottom:2.5rem}
a{color:var(--accent)}
h1{font-size:1.9rem;line-height:1.4;margin:0 0 .75rem}
h2{font-size:1.3rem;line-height:1.5;margin:2.75rem 0 1rem}
.provenance{color:var(--muted);margin:-2rem 0 2.5rem;font-size:.9rem}\
.byline{color:var(--muted);margin:0 0 2.5rem;padding-bottom:1.25rem;\
border-bottom:1px solid var(--rule)}
.author{color:var(--fg);font-weight:600}
.para{position:relative;margin:0 -.6rem 1.1rem;padding:.2rem .6rem;border-radius:6px;\
scroll-margin-top:25vh;transition:background-color .4s}
.para:target{background:var(--mark)}
h1:target,.author:target{background:var(--mark);border-radius:6px}
.bullet{padding-inline-start:1.9rem}
.bullet::before{content:"\\2022";position:absolute;inset-inline-start:.75rem}
.pn{position:absolute;inset-inline-end:100%;font:.75rem/2.6 system-ui,sans-serif;\
color:var(--muted);text-decoration:none;user-select:none;opacity:.55}
.pn:hover,.para:target .pn{opacity:1}
ul.docs{list-style:none;padding:0}
ul.docs li{margin:0 0 1.25rem}
.meta{color:var(--muted);font-size:.9rem}
@media (max-width:52rem){.pn{position:static;margin-inline-end:.4rem}}
"""

# The one inline style is allowed by its hash, so the policy needs no 'unsafe-inline'.
_CSS_HASH = base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()
PAGE_HEADERS = {
    "Content-Security-Policy": (
        f"default-src 'none'; style-src 'sha256-{_CSS_HASH}'; img-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
}

_LABELS = {
    "ar": {"all": "كل المقالات", "paragraph": "الفقرة"},
    "en": {"all": "All documents", "paragraph": "Paragraph"},
}


def _page(title: str, language: str, body: str) -> str:
    return (
        "<!doctype html>\n"
        f'<html lang="{escape(language)}" dir="{text_direction(language)}">\n'
        '<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n"
        f"<body>\n<main>\n{body}</main>\n</body>\n</html>\n"
    )


def document_url(doc_id: str) -> str:
    return f"/documents/{quote(doc_id, safe='')}"


def _is_bullet(doc: Document, passage: Passage) -> bool:
    # Passages exclude their list marker; a marker is whatever precedes them on the line.
    line_start = doc.source.rfind("\n", 0, passage.start) + 1
    return bool(doc.source[line_start : passage.start].strip())


def _paragraph(doc: Document, passage: Passage, label: str) -> str:
    n = passage.paragraph
    classes = "para bullet" if _is_bullet(doc, passage) else "para"
    return (
        f'<p id="p{n}" class="{classes}">'
        f'<a class="pn" href="#p{n}" aria-label="{escape(label)} {n}">{n}</a>'
        f"{escape(passage.text)}</p>\n"
    )


def _heading(span: Span, number: int) -> str:
    return f'<h2 id="s{number}">{escape(span.text)}</h2>\n'


def _provenance(doc: Document) -> str:
    """The publication date, the site and a link to the original page, when known."""
    items = []
    if doc.published:
        items.append(
            f'<time class="published" datetime="{escape(doc.published)}">'
            f"{escape(doc.published[:10])}</time>"
        )
    if doc.site:
        items.append(f'<span class="site">{escape(doc.site)}</span>')
    if doc.url and doc.url.startswith(("http://", "https://")):
        label = _ORIGINAL.get(doc.language, _ORIGINAL["en"])
        items.append(
            f'<a class="original" href="{escape(doc.url)}" rel="noopener noreferrer">'
            f"{escape(label)}</a>"
        )
    return f'<p class="provenance">{" · ".join(items)}</p>\n' if items else ""


_ORIGINAL = {"ar": "المصدر الأصلي", "en": "Original article"}


def document_page(doc: Document) -> str:
    """The readable page for one document: title, byline, sections, anchored paragraphs."""
    labels = _LABELS.get(doc.language, _LABELS["en"])
    title = doc.title.text if doc.title else doc.id
    parts = [f'<nav><a href="/documents">{escape(labels["all"])}</a></nav>\n<article>\n<header>\n']
    # #title and #author are where metadata citations ("who wrote this?") point.
    parts.append(f'<h1 id="title">{escape(title)}</h1>\n')
    byline = (
        [f'<span id="author" class="author">{escape(doc.author.text)}</span>'] if doc.author else []
    )
    if doc.affiliation:
        byline.append(f'<span class="affiliation">{escape(doc.affiliation.text)}</span>')
    if byline:
        parts.append(f'<p class="byline">{" · ".join(byline)}</p>\n')
    parts.append(_provenance(doc))
    parts.append("</header>\n")

    # Headings and paragraphs in source order: a heading precedes the paragraphs under it.
    blocks: list[tuple[int, str]] = [
        (h.start, _heading(h, i)) for i, h in enumerate(doc.headings, start=1)
    ]
    blocks += [(p.start, _paragraph(doc, p, labels["paragraph"])) for p in doc.passages]
    parts += [html for _, html in sorted(blocks, key=lambda block: block[0])]
    parts.append("</article>\n")
    page_title = f"{title} — {doc.author.text}" if doc.author else title
    return _page(page_title, doc.language, "".join(parts))


def document_list_page(documents: list[DocumentSummary]) -> str:
    """Every document, linked, with its author and size."""
    items = []
    for d in documents:
        title = d.title or d.id
        meta = " · ".join(x for x in (d.author, f"{d.paragraphs} ¶") if x)
        items.append(
            f'<li lang="{escape(d.language)}" dir="{text_direction(d.language)}">'
            f'<a href="{escape(document_url(d.id))}">{escape(title)}</a>'
            f'<div class="meta">{escape(meta)}</div></li>\n'
        )
    body = f'<h1>Documents</h1>\n<ul class="docs">\n{"".join(items)}</ul>\n'
    return _page("Documents", "en", body)
