"""Hot reindex while serving: a real `rag serve` swaps indexes under concurrent /ask load.

Each scenario runs once per module (a server, a load, a rebuild with the real
model, a swap) and records every request; the short tests below judge the
record. Client threads keep asking Arabic and English questions the whole
time, the answer cache is off so every request runs on the index it got, and
one question (`PROBE`) is about a paragraph that only the new index has.

* swap: the seed document changes, `build_index` writes a new generation
  under load, then POST /admin/reload or SIGHUP swaps it in.
* failed swap: the new generation is corrupt (POST /admin/reload: 409) or
  CURRENT names garbage (SIGHUP): the old index keeps serving and /health says
  why the reload failed.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ENGLISH_DOC, ENGLISH_DOC_ID, copy_index, running_server, write_corpus
from loadgen import Client, Load, Record

from rag.embeddings import Embedder
from rag.index.builder import build_index
from rag.index.store import VECTORS, IndexStore

pytestmark = pytest.mark.e2e

ADMIN_KEY = "reload-admin-key"
CLIENTS = 6
MAX_REQUESTS = 400  # per client: a bound, never reached in practice
MAX_SECONDS = 120.0
AFTER_SWAP = 3 * CLIENTS  # requests that must start after the swap before the load stops
PROBE = "how is each widget release signed?"
NEW_FACT = "hardware security key"
QUESTIONS = [
    "why does China need Russia?",
    "لماذا تحتاج الصين إلى روسيا؟",
    "who wrote this article?",
    "من كاتب المقال؟",
    "why must widgets escape quoted text?",
    PROBE,
]
CHANGED_DOC = ENGLISH_DOC.replace(
    "Rate limits\n\n",
    "Signed releases\n\nSince the spring, every release of the widget script is signed with a "
    "hardware security key that is kept offline in a locked safe, and embedding sites check "
    "that signature before they load it.\n\nRate limits\n\n",
)


@dataclass
class Swap:
    """What one scenario observed."""

    records: list[Record]
    triggered: float  # when the reload was asked for (monotonic)
    settled: float  # when the server was known to be on its final index
    old: dict[str, dict]  # each question's answer before the load started
    new: dict[str, dict]  # ... and after it stopped
    before: dict  # /health before
    after: dict  # /health after
    reload_status: int | None  # POST /admin/reload's status (None for SIGHUP)
    reload_body: dict | None
    generation: str | None  # the generation written during the load


def fetch_json(url: str | urllib.request.Request, timeout: float = 30) -> tuple[int, dict]:
    """Status and JSON body, of an error response too."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def admin_reload(base_url: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{base_url}/admin/reload", method="POST", headers={"x-admin-key": ADMIN_KEY}
    )
    return fetch_json(request, timeout=60)


def answers(base_url: str) -> dict[str, dict]:
    client = Client(base_url)
    try:
        records = {q: client.ask(q) for q in QUESTIONS}
    finally:
        client.close()
    assert all(r.ok for r in records.values()), [r.error or r.status for r in records.values()]
    return {q: r.answer() for q, r in records.items()}


def wait_for_health(base_url: str, process: subprocess.Popen, done, timeout: float = 60) -> dict:
    """Poll /health until `done(body)`; the server must stay up meanwhile."""
    deadline = time.monotonic() + timeout
    while True:
        assert process.poll() is None, "the server died"
        body = fetch_json(f"{base_url}/health")[1]
        if done(body):
            return body
        assert time.monotonic() < deadline, f"/health never got there: {body}"
        time.sleep(0.1)


def rebuild(index: Path, workdir: Path, embedder: Embedder) -> str:
    """Change the English seed document and write a new generation of `index`."""
    corpus = write_corpus(workdir / "corpus")
    (corpus / f"{ENGLISH_DOC_ID}.en.txt").write_text(CHANGED_DOC, encoding="utf-8")
    return build_index(corpus, IndexStore(index), embedder).generation


def truncate_vectors(index: Path) -> None:
    path = IndexStore(index).current_path() / VECTORS
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def point_current_at_garbage(index: Path) -> None:
    (index / "CURRENT").write_text("gen-19700101T000000-garbage\n", encoding="utf-8")


def run_scenario(
    trigger: str, broken: bool, index_dir: Path, workdir: Path, embedder: Embedder
) -> Swap:
    index = copy_index(index_dir, workdir / "index")
    env = {"RAG_RATE_LIMIT": "0", "RAG_CACHE_SIZE": "0", "RAG_ADMIN_KEY": ADMIN_KEY}
    with running_server(index, workdir, **env) as (base_url, process):
        before = fetch_json(f"{base_url}/health")[1]
        old = answers(base_url)
        with Load(base_url, QUESTIONS, CLIENTS, MAX_REQUESTS, MAX_SECONDS) as load:
            generation = rebuild(index, workdir, embedder)  # under load, like an operator would
            if broken:
                (truncate_vectors if trigger == "admin" else point_current_at_garbage)(index)
            reload_status = reload_body = None
            triggered = time.monotonic()
            if trigger == "admin":
                reload_status, reload_body = admin_reload(base_url)
                settled = time.monotonic()
            else:
                process.send_signal(signal.SIGHUP)
                if broken:
                    wait_for_health(base_url, process, lambda h: h.get("detail"))
                else:
                    wait_for_health(base_url, process, lambda h: h["index"] == generation)
                settled = time.monotonic()
            load.wait_until(
                lambda rs: sum(r.started > settled for r in rs) >= AFTER_SWAP, MAX_SECONDS
            )
            records = load.finish()
        new = answers(base_url)
        after = fetch_json(f"{base_url}/health")[1]
    return Swap(
        records,
        triggered,
        settled,
        old,
        new,
        before,
        after,
        reload_status,
        reload_body,
        generation,
    )


def scenario(trigger: str, broken: bool, request) -> Swap:
    workdir = request.getfixturevalue("tmp_path_factory").mktemp(f"{trigger}-{broken}")
    index_dir = request.getfixturevalue("index_dir")
    return run_scenario(trigger, broken, index_dir, workdir, request.getfixturevalue("embedder"))


@pytest.fixture(scope="module")
def admin_swap(request) -> Swap:
    return scenario("admin", False, request)


@pytest.fixture(scope="module")
def sighup_swap(request) -> Swap:
    return scenario("sighup", False, request)


@pytest.fixture(scope="module")
def admin_failed_swap(request) -> Swap:
    return scenario("admin", True, request)


@pytest.fixture(scope="module")
def sighup_failed_swap(request) -> Swap:
    return scenario("sighup", True, request)


@pytest.fixture(params=["admin_swap", "sighup_swap"])
def swap(request) -> Swap:
    return request.getfixturevalue(request.param)


@pytest.fixture(params=["admin_failed_swap", "sighup_failed_swap"])
def failed_swap(request) -> Swap:
    return request.getfixturevalue(request.param)


def failures(records: list[Record]) -> list[str]:
    return [f"{r.question}: {r.status} {r.error or r.body}" for r in records if not r.ok]


# -- a good new index ---------------------------------------------------------------------


def test_no_request_fails_during_the_swap(swap: Swap) -> None:
    assert swap.records and not failures(swap.records)


def test_the_server_serves_the_new_generation(swap: Swap) -> None:
    assert swap.after["status"] == "ok" and swap.after["index"] == swap.generation
    assert swap.after["index"] != swap.before["index"]
    assert swap.after["detail"] is None


def test_answers_switch_to_the_new_content(swap: Swap) -> None:
    assert NEW_FACT not in swap.old[PROBE]["passages"][0]["text"]
    assert NEW_FACT in swap.new[PROBE]["passages"][0]["text"]


def test_requests_after_the_swap_get_the_new_index(swap: Swap) -> None:
    later = [r for r in swap.records if r.started > swap.settled]
    assert len(later) >= AFTER_SWAP
    assert all(r.answer() == swap.new[r.question] for r in later)


def test_every_answer_is_wholly_from_one_index(swap: Swap) -> None:
    # Never half of each: a request gets the old index's answer or the new one's.
    for r in swap.records:
        assert r.answer() in (swap.old[r.question], swap.new[r.question]), r.question


def test_requests_in_flight_during_the_swap_finished(swap: Swap) -> None:
    in_flight = [r for r in swap.records if r.started < swap.triggered < r.ended]
    assert in_flight, "no request was in flight when the reload began"
    assert all(r.ok for r in in_flight)


def test_admin_reload_reports_both_generations(admin_swap: Swap) -> None:
    assert admin_swap.reload_status == 200
    assert admin_swap.reload_body["generation"] == admin_swap.generation
    assert admin_swap.reload_body["previous"] == admin_swap.before["index"]


# -- a broken new index -------------------------------------------------------------------


def test_no_request_fails_when_the_reload_fails(failed_swap: Swap) -> None:
    assert failed_swap.records and not failures(failed_swap.records)


def test_the_old_index_keeps_serving(failed_swap: Swap) -> None:
    assert failed_swap.after["status"] == "ok"
    assert failed_swap.after["index"] == failed_swap.before["index"]
    assert all(r.answer() == failed_swap.old[r.question] for r in failed_swap.records)


def test_health_shows_why_the_reload_failed(failed_swap: Swap) -> None:
    detail = failed_swap.after["detail"]
    assert detail and "reload failed" in detail
    assert "rag index" in detail  # the error names the fix


def test_a_failed_admin_reload_is_409_naming_the_generation_still_served(
    admin_failed_swap: Swap,
) -> None:
    assert admin_failed_swap.reload_status == 409
    detail = admin_failed_swap.reload_body["detail"]
    assert admin_failed_swap.before["index"] in detail and "corrupt" in detail
