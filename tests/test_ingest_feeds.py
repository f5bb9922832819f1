"""`rag ingest --feed/--sitemap` against a local 127.0.0.1 server: runs, re-runs, robots."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import ENGLISH_ARTICLE, HashEmbedder, patch_embedder
from pages import EN_PARAGRAPHS, arabic_page, english_page

from rag.cli import main
from rag.index.store import IndexStore
from rag.ingest.fetch import Fetcher, FetchError

MODIFIED = formatdate(1_700_000_000, usegmt=True)


class Site:
    """Pages by path; every request is logged with its conditional headers."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[str, bytes]] = {}
        self.requests: list[tuple[str, str | None, str | None]] = []
        self.user_agents: set[str] = set()
        self.base = ""


@pytest.fixture
def site() -> Iterator[Site]:
    state = Site()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            etag, since = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
            state.requests.append((self.path, etag, since))
            state.user_agents.add(self.headers.get("User-Agent", ""))
            if self.path not in state.pages:
                self.send_error(404)
                return
            kind, body = state.pages[self.path]
            tag = f'"{hash(body) & 0xFFFFFFFF:x}"'
            if etag == tag:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("ETag", tag)
            self.send_header("Last-Modified", MODIFIED)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def rss(base: str, items: list[tuple[str, str]]) -> bytes:
    entries = "".join(
        f"<item><title>t</title><link>{base}{path}</link><pubDate>{date}</pubDate></item>"
        for path, date in items
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>{entries}'
        "</channel></rss>".encode()
    )


def sitemap(base: str, paths: list[str]) -> bytes:
    urls = "".join(f"<url><loc>{base}{p}</loc><lastmod>2024-05-14</lastmod></url>" for p in paths)
    return (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{urls}</urlset>"
    ).encode()


HTML = "text/html; charset=utf-8"
DATE1 = "Tue, 14 May 2024 09:30:00 GMT"
DATE2 = "Thu, 16 May 2024 08:00:00 GMT"


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch) -> tuple[Path, Path, HashEmbedder]:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "chip-pact.en.txt").write_text(ENGLISH_ARTICLE, "utf-8")
    embedder = HashEmbedder()
    patch_embedder(monkeypatch, embedder)
    monkeypatch.setenv("RAG_FETCH_INTERVAL", "0")
    return seeds, tmp_path / "index", embedder


def run(workspace, *args: str):
    seeds, index, _ = workspace
    result = CliRunner().invoke(
        main, ["ingest", *args, "--seeds", str(seeds), "--index", str(index)]
    )
    assert "Traceback" not in result.output
    # Click keeps an unexpected exception on the result instead of printing it.
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def page_paths(site: Site) -> list[str]:
    return [path for path, _, _ in site.requests if path.startswith("/news/")]


def test_feed_run_indexes_its_pages(site: Site, workspace):
    site.pages["/news/chips.html"] = (HTML, english_page().encode())
    site.pages["/news/visit.html"] = (HTML, arabic_page().encode())
    site.pages["/feed.xml"] = (
        "application/rss+xml",
        rss(site.base, [("/news/chips.html", DATE1), ("/news/visit.html", DATE2)]),
    )
    result = run(workspace, "--feed", f"{site.base}/feed.xml")
    assert result.exit_code == 0, result.output
    assert "2 entries, 2 new or changed" in result.output
    index = IndexStore(workspace[1]).load()
    docs = {d.url: d for d in index.documents.values() if d.url}
    assert set(docs) == {f"{site.base}/news/chips.html", f"{site.base}/news/visit.html"}
    chips = docs[f"{site.base}/news/chips.html"]
    assert [p.text for p in chips.passages] == list(EN_PARAGRAPHS)
    assert chips.published.startswith("2024-05-14")
    assert "chip-pact" in index.documents  # the seed file is still there
    assert any(agent.startswith("rag-news-ingest/") for agent in site.user_agents)


def test_feed_rerun_fetches_only_changed_pages(site: Site, workspace):
    site.pages["/news/chips.html"] = (HTML, english_page().encode())
    site.pages["/news/visit.html"] = (HTML, arabic_page().encode())
    items = [("/news/chips.html", DATE1), ("/news/visit.html", DATE2)]
    site.pages["/feed.xml"] = ("application/rss+xml", rss(site.base, items))
    assert run(workspace, "--feed", f"{site.base}/feed.xml").exit_code == 0
    site.requests.clear()
    embedder = workspace[2]
    embedder.passage_batches.clear()

    # The visit page changes and its entry date moves; the chips entry is untouched.
    changed = (EN_PARAGRAPHS[0], "A correction was added to the report on Friday morning.")
    site.pages["/news/visit.html"] = (HTML, english_page(paragraphs=changed).encode())
    later = "Fri, 17 May 2024 10:00:00 GMT"
    items = [("/news/chips.html", DATE1), ("/news/visit.html", later)]
    site.pages["/feed.xml"] = ("application/rss+xml", rss(site.base, items))
    result = run(workspace, "--feed", f"{site.base}/feed.xml")
    assert result.exit_code == 0, result.output
    assert "1 new or changed, 1 unchanged" in result.output
    assert page_paths(site) == ["/news/visit.html"]
    assert any("correction" in t for t in embedder.passage_texts)
    assert not any("memory chips" in t for t in embedder.passage_texts)


def test_unchanged_feed_is_one_conditional_request(site: Site, workspace):
    site.pages["/news/chips.html"] = (HTML, english_page().encode())
    site.pages["/feed.xml"] = ("application/rss+xml", rss(site.base, [("/news/chips.html", DATE1)]))
    assert run(workspace, "--feed", f"{site.base}/feed.xml").exit_code == 0
    site.requests.clear()
    result = run(workspace, "--feed", f"{site.base}/feed.xml")
    assert result.exit_code == 0, result.output
    assert "index is up to date" in result.output
    feed_requests = [r for r in site.requests if r[0] == "/feed.xml"]
    assert len(feed_requests) == 1 and feed_requests[0][1]  # sent If-None-Match
    assert page_paths(site) == []


def test_sitemap_run_and_rerun_with_etags(site: Site, workspace):
    site.pages["/news/chips.html"] = (HTML, english_page().encode())
    site.pages["/news/visit.html"] = (HTML, arabic_page().encode())
    site.pages["/sitemap.xml"] = (
        "application/xml",
        sitemap(site.base, ["/news/chips.html", "/news/visit.html"]),
    )
    result = run(workspace, "--sitemap", f"{site.base}/sitemap.xml")
    assert result.exit_code == 0, result.output
    assert "2 new or changed" in result.output
    # A sitemap that changed but whose pages did not: pages answer 304 to their ETags.
    site.pages["/sitemap.xml"] = (
        "application/xml",
        sitemap(site.base, ["/news/chips.html", "/news/visit.html"]).replace(
            b"2024-05-14", b"2024-05-20"
        ),
    )
    site.requests.clear()
    result = run(workspace, "--sitemap", f"{site.base}/sitemap.xml")
    assert result.exit_code == 0, result.output
    assert "0 new or changed, 2 unchanged" in result.output
    assert all(etag for path, etag, _ in site.requests if path.startswith("/news/"))


def test_robots_txt_disallow_is_respected(site: Site, workspace):
    site.pages["/robots.txt"] = ("text/plain", b"User-agent: *\nDisallow: /news/private\n")
    site.pages["/news/private.html"] = (HTML, english_page().encode())
    site.pages["/news/visit.html"] = (HTML, arabic_page().encode())
    site.pages["/feed.xml"] = (
        "application/rss+xml",
        rss(site.base, [("/news/private.html", DATE1), ("/news/visit.html", DATE2)]),
    )
    result = run(workspace, "--feed", f"{site.base}/feed.xml")
    assert result.exit_code == 0, result.output
    assert "private.html: disallowed by robots.txt" in result.output
    assert "/news/private.html" not in page_paths(site)


def test_bad_page_in_a_feed_is_one_line(site: Site, workspace):
    site.pages["/news/empty.html"] = (HTML, b"")
    site.pages["/news/visit.html"] = (HTML, arabic_page().encode())
    site.pages["/feed.xml"] = (
        "application/rss+xml",
        rss(
            site.base,
            [
                ("/news/empty.html", DATE1),
                ("/news/missing.html", DATE1),
                ("/news/visit.html", DATE2),
            ],
        ),
    )
    result = run(workspace, "--feed", f"{site.base}/feed.xml")
    assert result.exit_code == 0, result.output
    assert "empty.html: empty" in result.output
    assert "missing.html: HTTP 404" in result.output
    assert "1 new or changed, 0 unchanged, 2 skipped" in result.output


def test_unreachable_feed_is_a_clear_error(workspace):
    result = run(workspace, "--feed", "http://127.0.0.1:9/feed.xml")
    assert result.exit_code == 1
    assert (
        "error: http://127.0.0.1:9/feed.xml: robots.txt unreadable (cannot fetch" in result.output
    )


def test_slow_server_times_out_cleanly():
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)  # accepts the connection, never answers
        port = listener.getsockname()[1]
        fetcher = Fetcher("test-agent", timeout=0.5, interval=0)
        fetcher._robots[f"127.0.0.1:{port}"] = None
        with pytest.raises(FetchError, match="timed out after 0.5 s"):
            fetcher.get(f"http://127.0.0.1:{port}/feed.xml")
