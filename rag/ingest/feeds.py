"""`rag ingest --feed URL | --sitemap URL`: fetch new or changed article pages.

Feeds are read with feedparser (RSS 0.9x-2.0, Atom). Sitemaps are small XML
(`<urlset>` of `<loc>`/`<lastmod>`, or a `<sitemapindex>` one level deep),
read with lxml, which trafilatura already brings.

A re-run asks the feed with its ETag / Last-Modified (a 304 ends it there),
skips entries whose date has not moved, and asks each remaining page
conditionally. Pages are stored with `SourceStore`; the caller then runs the
ordinary build, which embeds only what changed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from rag.ingest import IngestLimits, UnreadableDocument, parse_text
from rag.ingest.fetch import Fetcher, FetchError
from rag.ingest.files import decode
from rag.ingest.sources import SourceStore

Say = Callable[[str], None]


@dataclass
class IngestReport:
    entries: int = 0
    fetched: list[str] = field(default_factory=list)  # document ids stored this run
    unchanged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (url, why)


@dataclass(frozen=True)
class Entry:
    url: str
    updated: str | None
    published: str | None = None
    title: str | None = None


def page_id(url: str) -> str:
    """A stable document id for a page: its last path segment and a short hash."""
    path = urlsplit(url).path.rstrip("/")
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", path.rsplit("/", 1)[-1].split(".")[0]).strip("-")
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:8]
    return f"{slug[:60]}-{digest}" if slug else f"page-{digest}"


def feed_entries(body: bytes, base: str) -> list[Entry]:
    import feedparser

    parsed = feedparser.parse(body)
    if parsed.bozo and not parsed.entries:
        raise FetchError(f"not a feed ({parsed.get('bozo_exception', 'unreadable')})")
    entries = []
    for item in parsed.entries:
        link = item.get("link")
        if not link:
            continue
        published = _iso(item.get("published_parsed"))
        # Only an explicit <updated>: feedparser otherwise maps it to the published date.
        updated = (_iso(item.get("updated_parsed")) if "updated" in item else None) or published
        entries.append(Entry(urljoin(base, link), updated, published, item.get("title")))
    return entries


def sitemap_entries(body: bytes, fetcher: Fetcher, depth: int = 0) -> list[Entry]:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise FetchError(f"not a sitemap ({exc})") from exc
    tag = etree.QName(root).localname
    entries: list[Entry] = []
    for node in root:
        if not isinstance(node.tag, str):
            continue
        values = {etree.QName(child).localname: (child.text or "").strip() for child in node}
        loc = values.get("loc")
        if not loc:
            continue
        if tag == "sitemapindex" and depth == 0:
            entries += sitemap_entries(fetcher.get(loc).body, fetcher, depth + 1)
        elif tag == "urlset":
            entries.append(Entry(loc, values.get("lastmod") or None))
    return entries


def _iso(value: object) -> str | None:
    if not value:
        return None
    import time

    return time.strftime("%Y-%m-%dT%H:%M:%SZ", value)  # type: ignore[arg-type]


def ingest(
    url: str,
    kind: str,
    sources: SourceStore,
    fetcher: Fetcher,
    limits: IngestLimits | None = None,
    say: Say | None = None,
) -> IngestReport:
    """Fetch the feed or sitemap at `url` and store each new or changed page."""
    say = say or (lambda line: None)
    state = sources.fetch_state()
    feeds = state.setdefault("feeds", {})
    pages = state.setdefault("pages", {})
    report = IngestReport()
    known = feeds.get(url, {})
    listing = fetcher.get(url, known.get("etag"), known.get("modified"))
    if listing.status == 304:
        return report
    if kind == "feed":
        entries = feed_entries(listing.body, listing.url)
    else:
        entries = sitemap_entries(listing.body, fetcher)
    report.entries = len(entries)
    for entry in entries:
        seen = pages.get(entry.url) or {}
        if seen and entry.updated and seen.get("updated") == entry.updated:
            report.unchanged += 1
            continue
        try:
            page = fetcher.get(
                entry.url,
                seen.get("etag"),
                seen.get("modified"),
            )
            if page.status == 304:
                report.unchanged += 1
                continue
            doc_id = seen.get("id") or page_id(entry.url)
            body = decode(page.body, html=True)
            # Parsed now so a bad page is reported here, not stored to fail every build.
            parse_text(
                body, "html", doc_id, url=entry.url, published=entry.published, limits=limits
            )
        except (FetchError, UnreadableDocument, ValueError) as exc:
            report.skipped.append((entry.url, str(exc)))
            say(f"skipped {entry.url}: {exc}")
            continue
        sources.save(doc_id, "html", body, url=entry.url, published=entry.published)
        pages[entry.url] = {
            "id": doc_id,
            "etag": page.etag,
            "modified": page.last_modified,
            "updated": entry.updated,
        }
        sources.save_fetch_state(state)
        report.fetched.append(doc_id)
    feeds[url] = {"etag": listing.etag, "modified": listing.last_modified}
    sources.save_fetch_state(state)
    return report
