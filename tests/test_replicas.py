"""Two real `rag serve` replicas act as one service: one rate limit, one index.

Both replicas serve one index folder, count rate limits in one real Redis
(Debian's redis-server, started here on a free loopback port), and poll
CURRENT. The module runs one scenario: the rate limit is spent across both
replicas; then, while a client keeps asking both of them, a rebuild writes a
new generation into the shared folder, and both replicas move to it by
themselves. The tests judge what was recorded.

Requests carry X-Forwarded-For (the replicas trust a proxy, as behind nginx),
so each phase has its own client address and its own window.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import (
    ENGLISH_DOC,
    ENGLISH_DOC_ID,
    copy_index,
    free_port,
    running_server,
    write_corpus,
)
from loadgen import Client, Record

from rag.index.builder import build_index
from rag.index.leases import LEASES
from rag.index.store import IndexStore

pytestmark = pytest.mark.e2e

LIMIT = 5
POLL_SECONDS = "0.5"
MAX_REQUESTS = 400  # the load's bound, never reached in practice
MAX_SECONDS = 180.0
AFTER_SWITCH = 6  # requests to each replica after both switched, before the load stops
PROBE = "how is each widget release signed?"
NEW_FACT = "hardware security key"
QUESTIONS = ["why does China need Russia?", "لماذا تحتاج الصين إلى روسيا؟", PROBE]
CHANGED_DOC = ENGLISH_DOC.replace(
    "Rate limits\n\n",
    "Signed releases\n\nSince the spring, every release of the widget script is signed with a "
    "hardware security key that is kept offline in a locked safe, and embedding sites check "
    "that signature before they load it.\n\nRate limits\n\n",
)


@contextlib.contextmanager
def redis_server(workdir: Path) -> Iterator[str]:
    """A throwaway redis-server on 127.0.0.1; yields its URL."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is missing: `make test` installs it (scripts/ensure-redis)"
    port = free_port()
    command = [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", ""]
    command += ["--appendonly", "no", "--dir", str(workdir)]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            assert proc.poll() is None, "redis-server exited at start"
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", port), 1) as s,
            ):
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    break
            assert time.monotonic() < deadline, "redis-server did not answer PING"
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)


class Addresses:
    """A new client address per request (so the load is never rate limited)."""

    def __init__(self, prefix: str) -> None:
        self.prefix, self.n, self.lock = prefix, 0, threading.Lock()

    def next(self) -> str:
        with self.lock:
            self.n += 1
            return f"{self.prefix}.{self.n // 250}.{self.n % 250 + 1}"


def ask(client: Client, question: str, address: str) -> Record:
    client.headers["x-forwarded-for"] = address
    return client.ask(question)


@dataclass
class Scenario:
    limit_statuses: list[tuple[str, int | None]] = field(default_factory=list)
    over_limit: dict[str, Record] = field(default_factory=dict)
    load: list[tuple[str, Record]] = field(default_factory=list)
    before: dict[str, str] = field(default_factory=dict)
    after: dict[str, str] = field(default_factory=dict)
    generation: str = ""
    probe: dict[str, Record] = field(default_factory=dict)
    leases_serving: list[str] = field(default_factory=list)
    leases_after_stop: list[str] = field(default_factory=list)


def health(client: Client) -> str | None:
    """The generation a replica serves, from its /health."""
    url = f"http://{client.host}:{client.port}/health"
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())["index"]


def holders(index: Path, generation: str) -> list[str]:
    return sorted(p.name for p in (index / LEASES / generation).glob("*"))


def rebuild(index: Path, workdir: Path, embedder) -> str:
    corpus = write_corpus(workdir / "corpus")
    (corpus / f"{ENGLISH_DOC_ID}.en.txt").write_text(CHANGED_DOC, encoding="utf-8")
    return build_index(corpus, IndexStore(index), embedder).generation


@pytest.fixture(scope="module")
def scenario(tmp_path_factory, index_dir: Path, embedder) -> Scenario:
    workdir = tmp_path_factory.mktemp("replicas")
    index = copy_index(index_dir, workdir / "index")
    seen = Scenario()
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(redis_server(workdir))
        env = {
            "RAG_RATE_LIMIT": str(LIMIT),
            "RAG_RATE_LIMIT_STORAGE": url,
            "RAG_TRUST_PROXY": "true",
            "RAG_INDEX_POLL_SECONDS": POLL_SECONDS,
            "RAG_CACHE_SIZE": "0",
        }
        replicas = {
            name: Client(stack.enter_context(running_server(index, workdir, **env))[0])
            for name in ("a", "b")
        }
        for client in replicas.values():
            stack.callback(client.close)

        # One client address spends the limit across both replicas, alternately.
        for i in range(LIMIT):
            name = "ab"[i % 2]
            record = ask(replicas[name], QUESTIONS[0], "198.51.100.7")
            seen.limit_statuses.append((name, record.status))
        for name, client in replicas.items():
            seen.over_limit[name] = ask(client, QUESTIONS[0], "198.51.100.7")

        seen.before = {name: health(c) for name, c in replicas.items()}
        addresses = Addresses("10.9")
        stop = threading.Event()
        after_switch = {"a": 0, "b": 0}
        switched = threading.Event()

        def load() -> None:
            clients = {n: Client(f"http://{c.host}:{c.port}") for n, c in replicas.items()}
            deadline = time.monotonic() + MAX_SECONDS
            try:
                for i in range(MAX_REQUESTS):
                    if stop.is_set() or time.monotonic() > deadline:
                        return
                    name = "ab"[i % 2]
                    record = ask(clients[name], QUESTIONS[i % 3], addresses.next())
                    seen.load.append((name, record))
                    if switched.is_set():
                        after_switch[name] += 1
                        if min(after_switch.values()) >= AFTER_SWITCH:
                            return
            finally:
                for client in clients.values():
                    client.close()

        thread = threading.Thread(target=load, daemon=True)
        thread.start()
        seen.generation = rebuild(index, workdir, embedder)  # under load, no reload asked
        deadline = time.monotonic() + 60
        while {health(c) for c in replicas.values()} != {seen.generation}:
            assert time.monotonic() < deadline, "the replicas never moved to the new index"
            time.sleep(0.1)
        switched.set()
        thread.join(MAX_SECONDS)
        stop.set()
        seen.after = {name: health(c) for name, c in replicas.items()}
        for name, client in replicas.items():
            client.close()  # idle through the rebuild: the server closed it (keep-alive 5 s)
            seen.probe[name] = ask(client, PROBE, addresses.next())
        # Each replica's next poll leases what it now serves.
        deadline = time.monotonic() + 30
        while len(holders(index, seen.generation)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        seen.leases_serving = holders(index, seen.generation)
    seen.leases_after_stop = [str(p) for p in (index / LEASES).glob("*/*")]
    return seen


def test_requests_within_the_limit_pass_on_both_replicas(scenario: Scenario) -> None:
    assert scenario.limit_statuses == [("ab"[i % 2], 200) for i in range(LIMIT)]


@pytest.mark.parametrize("replica", ["a", "b"])
def test_the_request_over_the_shared_limit_is_429_on_either_replica(
    scenario: Scenario, replica: str
) -> None:
    record = scenario.over_limit[replica]
    assert record.status == 429
    assert f"the limit is {LIMIT} per minute" in record.body["detail"]


def test_both_replicas_serve_the_new_generation(scenario: Scenario) -> None:
    assert set(scenario.before.values()) != {scenario.generation}
    assert scenario.after == {"a": scenario.generation, "b": scenario.generation}


@pytest.mark.parametrize("replica", ["a", "b"])
def test_both_replicas_answer_from_the_new_content(scenario: Scenario, replica: str) -> None:
    record = scenario.probe[replica]
    assert record.ok and NEW_FACT in record.body["passages"][0]["text"]


def test_no_request_fails_during_the_switch(scenario: Scenario) -> None:
    assert scenario.load, "the load sent nothing"
    failed = [(n, r.status, r.error) for n, r in scenario.load if not r.ok]
    assert not failed
    assert {n for n, _ in scenario.load} == {"a", "b"}


def test_each_replica_leases_the_generation_it_serves(scenario: Scenario) -> None:
    assert len(scenario.leases_serving) == 2  # one lease file per replica process


def test_leases_are_dropped_when_the_replicas_stop(scenario: Scenario) -> None:
    assert scenario.leases_after_stop == []
