"""Polite HTTP GETs: robots.txt, a clear User-Agent, a bounded rate, timeouts.

The standard library's urllib and robotparser suffice for one GET at a time
to a publisher's own site; no crawler framework is needed for a feed of a few
hundred entries. Conditional requests (If-None-Match / If-Modified-Since)
make a re-run cost one 304 per unchanged page.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
import urllib.robotparser
from dataclasses import dataclass
from urllib.parse import urlsplit


class FetchError(Exception):
    """One URL that could not be fetched; the message says why."""


@dataclass
class Response:
    url: str
    status: int  # 200, or 304 (not modified)
    body: bytes
    content_type: str
    etag: str | None
    last_modified: str | None


class Fetcher:
    def __init__(self, user_agent: str, timeout: float, interval: float) -> None:
        self.user_agent = user_agent
        self.timeout = timeout
        self.interval = interval
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}
        self._last: dict[str, float] = {}
        self._robots_errors: dict[str, str] = {}

    def allowed(self, url: str) -> bool:
        robots = self._robots_for(url)
        return robots is None or robots.can_fetch(self.user_agent, url)

    def get(self, url: str, etag: str | None = None, modified: str | None = None) -> Response:
        if not self.allowed(url):
            why = self._robots_errors.get(urlsplit(url).netloc)
            raise FetchError(
                f"robots.txt unreadable ({why})" if why else "disallowed by robots.txt"
            )
        headers = {"User-Agent": self.user_agent, "Accept-Encoding": "identity"}
        if etag:
            headers["If-None-Match"] = etag
        if modified:
            headers["If-Modified-Since"] = modified
        return self._get(url, headers)

    def _get(self, url: str, headers: dict[str, str]) -> Response:
        self._wait(url)
        request = urllib.request.Request(url, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as reply:
                body = reply.read()
                return Response(
                    reply.geturl(),
                    reply.status,
                    body,
                    reply.headers.get("Content-Type", ""),
                    reply.headers.get("ETag"),
                    reply.headers.get("Last-Modified"),
                )
        except urllib.error.HTTPError as exc:
            if exc.code == 304:
                return Response(url, 304, b"", "", headers.get("If-None-Match"), None)
            raise FetchError(f"HTTP {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError) or "timed out" in str(reason):
                raise FetchError(f"timed out after {self.timeout:g} s") from exc
            raise FetchError(f"cannot fetch ({reason})") from exc

    def _wait(self, url: str) -> None:
        host = urlsplit(url).netloc
        robots = self._robots.get(host)
        delay = self.interval
        if robots is not None:
            delay = max(delay, float(robots.crawl_delay(self.user_agent) or 0))
        wait = self._last.get(host, -1e9) + delay - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._last[host] = time.monotonic()

    def _robots_for(self, url: str) -> urllib.robotparser.RobotFileParser | None:
        parts = urlsplit(url)
        host = parts.netloc
        if host not in self._robots:
            robots_url = f"{parts.scheme}://{host}/robots.txt"
            parser = urllib.robotparser.RobotFileParser(robots_url)
            try:
                reply = self._get(robots_url, {"User-Agent": self.user_agent})
                parser.parse(reply.body.decode("utf-8", "replace").splitlines())
                self._robots[host] = parser
            except FetchError as exc:
                # No robots.txt (404) allows everything; a server error or timeout on it
                # means we cannot know, so nothing is fetched from that host.
                if str(exc) in ("HTTP 404", "HTTP 410"):
                    self._robots[host] = None
                else:
                    self._robots_errors[host] = str(exc)
                    parser.disallow_all = True
                    self._robots[host] = parser
        return self._robots[host]
