"""Helpers for the browser tests: the real `rag serve` as a subprocess, a second origin
for the host page, headless Debian Chromium, and small waits on the widget's shadow DOM.

Every wait here is bounded, so a broken widget fails the test instead of hanging it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "rag" / "api" / "static"
ARTIFACTS = ROOT / "test-artifacts"

CHROMIUM = os.environ.get("RAG_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

SERVER_START_TIMEOUT = 120.0  # loading the model and the index
ANSWER_TIMEOUT_MS = 30_000  # one question, end to end
UI_TIMEOUT_MS = 10_000  # any other browser interaction

WIDGET = "rag-chat-widget"


# -- processes and ports --------------------------------------------------------------


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def rag_executable() -> str:
    """The `rag` console script of the interpreter running the tests (the project venv)."""
    candidate = Path(sys.executable).parent / "rag"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("rag")
    if not found:
        pytest.fail("the `rag` command is not installed: run `make install` (pip install -e .)")
    return found


class RagServer:
    """`rag serve` in a subprocess, on a free port, until `stop()`."""

    def __init__(self, index: Path, log_path: Path, env: dict[str, str] | None = None) -> None:
        self.host = "127.0.0.1"
        self.port = free_port(self.host)
        self.url = f"http://{self.host}:{self.port}"
        self.log_path = log_path
        # The caller's RAG_* options (API key, CORS, ...) must not leak into the test server.
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
        full_env.update({"RAG_RATE_LIMIT": "0", "PYTHONUNBUFFERED": "1"})
        full_env.update(env or {})
        self._log = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [
                rag_executable(),
                "serve",
                "--host",
                self.host,
                "--port",
                str(self.port),
                "--index",
                str(index),
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=full_env,
            cwd=log_path.parent,  # no stray `.env` from the checkout
        )

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(encoding="utf-8").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def wait_healthy(self, timeout: float = SERVER_START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        last_error = ""
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(
                    f"`rag serve` exited with {self.process.returncode} before it was healthy:\n"
                    + self.log_tail()
                )
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=2) as response:
                    body = json.loads(response.read().decode("utf-8"))
                    if response.status == 200 and body.get("status") == "ok":
                        return
                    last_error = f"health: {body}"
            except (urllib.error.URLError, OSError, ValueError) as exc:
                last_error = str(exc)
            time.sleep(0.25)
        self.stop()
        pytest.fail(
            f"`rag serve` was not healthy within {timeout:.0f}s ({last_error}):\n" + self.log_tail()
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        self._log.close()


@contextmanager
def rag_server(
    index: Path, log_path: Path, env: dict[str, str] | None = None
) -> Iterator[RagServer]:
    server = RagServer(index, log_path, env)
    try:
        server.wait_healthy()
        yield server
    finally:
        server.stop()


# -- a second origin for the host page ------------------------------------------------


class PageServer:
    """A tiny static server on another port (hence another origin) for publisher pages."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[str, dict[str, str]]] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server API)
                path = self.path.split("?", 1)[0].split("#", 1)[0]
                if path not in pages:
                    self.send_error(404)
                    return
                body, headers = pages[path]
                data = body.encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def add(self, path: str, html: str, headers: dict[str, str] | None = None) -> str:
        self.pages[path] = (html, headers or {})
        return self.origin + path

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def publisher_page(api_url: str, **attributes: str) -> str:
    """demo.html as a publisher on another site would have it: the script tag points at the API.

    `attributes` replace or add data- attributes on the tag (data_lang="en" -> data-lang="en").
    """
    html = (STATIC / "demo.html").read_text(encoding="utf-8")
    match = re.search(r"<script\b[^>]*\bsrc=\"/widget\.js\"[^>]*></script>", html)
    assert match, 'demo.html must embed the widget with <script src="/widget.js" ...>'
    tag = match.group(0).replace('src="/widget.js"', f'src="{api_url}/widget.js"')
    attributes = {"data_endpoint": api_url, **attributes}
    for key, value in attributes.items():
        name = key.replace("_", "-")
        pattern = re.compile(rf'\s{re.escape(name)}="[^"]*"')
        if pattern.search(tag):
            tag = pattern.sub(f' {name}="{value}"', tag)
        else:
            tag = tag.replace("<script ", f'<script {name}="{value}" ', 1)
    return html.replace(match.group(0), tag)


# -- the browser ------------------------------------------------------------------------


def require_chromium() -> str:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}: the browser tests need Debian's chromium "
            "(run scripts/ensure-chromium, or `apt-get install -y chromium`)."
        )
    return CHROMIUM


@contextmanager
def launch_chromium() -> Iterator:
    """Debian's Chromium driven by Playwright (never a downloaded browser), closed on exit."""
    executable = require_chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test extra installs it
        pytest.fail("playwright is not installed: pip install -e '.[test]'")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, timeout=60_000
        )
        try:
            yield browser
        finally:
            browser.close()


def new_tab(browser, errors: list[str] | None = None, **context_options):
    """A page in a context of its own (fresh storage) whose waits are bounded by
    UI_TIMEOUT_MS; the page's uncaught JavaScript errors go to `errors` when given, so
    the caller can fail on them."""
    context = browser.new_context(**context_options)
    context.set_default_timeout(UI_TIMEOUT_MS)
    page = context.new_page()
    if errors is not None:
        page.on("pageerror", lambda exc: errors.append(str(exc)))
    return page


# -- the widget -------------------------------------------------------------------------


def shadow_eval(page, script: str, arg=None):
    """Evaluate `script` (a function of the widget's shadow root and arg) in the page."""
    return page.evaluate(
        f"([arg]) => {{ const root = document.querySelector('{WIDGET}').shadowRoot;"
        f" return ({script})(root, arg); }}",
        [arg],
    )


def active_class(page) -> str | None:
    """Class of the element focused inside the widget, or None when focus is elsewhere."""
    return shadow_eval(
        page,
        "root => document.activeElement && document.activeElement.tagName.toLowerCase() === "
        f"'{WIDGET}' && root.activeElement ? (root.activeElement.className || "
        "root.activeElement.tagName.toLowerCase()) : null",
    )


def widget(page):
    return page.locator(WIDGET)


def open_widget(page) -> None:
    launcher = widget(page).locator(".launcher")
    launcher.wait_for(state="visible", timeout=UI_TIMEOUT_MS)
    launcher.click(timeout=UI_TIMEOUT_MS)
    widget(page).locator(".panel").wait_for(state="visible", timeout=UI_TIMEOUT_MS)
    wait_for_animations(page)


def wait_for_animations(page) -> None:
    """Wait until the panel's open/close transition has finished (stable boxes, screenshots)."""
    page.wait_for_function(
        f"""() => {{
            const panel = document.querySelector('{WIDGET}').shadowRoot.querySelector('.panel');
            return panel.getAnimations().every(a => a.playState !== 'running');
        }}""",
        timeout=UI_TIMEOUT_MS,
    )


def settled_replies(page) -> int:
    """How many answers or error bubbles the conversation shows (not counting a spinner)."""
    return shadow_eval(page, "root => root.querySelectorAll('.msg.bot:not(.pending)').length")


def wait_for_reply(page, before: int, timeout_ms: int = ANSWER_TIMEOUT_MS):
    page.wait_for_function(
        f"""(before) => {{
            const root = document.querySelector('{WIDGET}').shadowRoot;
            return !root.querySelector('.msg.bot.pending')
                && root.querySelectorAll('.msg.bot:not(.pending)').length > before;
        }}""",
        arg=before,
        timeout=timeout_ms,
    )
    return widget(page).locator(".msg.bot:not(.pending)").last


def ask(page, question: str, timeout_ms: int = ANSWER_TIMEOUT_MS):
    """Type the question, press Enter, and return the reply's locator once it is shown."""
    before = settled_replies(page)
    box = widget(page).locator("textarea")
    box.fill(question, timeout=UI_TIMEOUT_MS)
    box.press("Enter", timeout=UI_TIMEOUT_MS)
    return wait_for_reply(page, before, timeout_ms)


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    # "disabled" fast-forwards the entry animations, so nothing is captured half-faded.
    page.screenshot(path=str(path), timeout=UI_TIMEOUT_MS, animations="disabled")
    return path


def count_requests(page, predicate: Callable[[object], bool]) -> list:
    seen: list = []
    page.on("request", lambda request: seen.append(request) if predicate(request) else None)
    return seen
