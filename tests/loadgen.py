"""A small HTTP load generator for the tests that hammer a real `rag serve`.

Each client is a thread with one keep-alive connection to 127.0.0.1. It asks
questions in turn until told to stop, a request budget is spent, or a deadline
passes, so every loop is bounded. Every request is recorded: what was asked,
when it started and ended (monotonic clock), and the status and body or the
error. Tests judge the records; nothing here asserts.
"""

from __future__ import annotations

import http.client
import json
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

REQUEST_TIMEOUT = 60.0


@dataclass
class Record:
    question: str
    started: float
    ended: float
    status: int | None  # None: no HTTP answer at all (see `error`)
    body: dict | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.error is None

    def answer(self) -> dict | None:
        """The response minus its timing and its per-response id, to compare with another."""
        if self.body is None:
            return None
        return {k: v for k, v in self.body.items() if k not in ("took_ms", "id")}


class Client:
    """One keep-alive connection; reconnects after an error (which is recorded)."""

    def __init__(self, base_url: str, headers: dict[str, str] | None = None) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.headers = {"content-type": "application/json", **(headers or {})}
        self.connection: http.client.HTTPConnection | None = None

    def ask(self, question: str, top_k: int = 3) -> Record:
        payload = json.dumps({"question": question, "top_k": top_k}).encode("utf-8")
        started = time.monotonic()
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection(
                    self.host, self.port, timeout=REQUEST_TIMEOUT
                )
            self.connection.request("POST", "/ask", body=payload, headers=self.headers)
            response = self.connection.getresponse()
            data = response.read()
            body = json.loads(data) if data else None
            return Record(question, started, time.monotonic(), response.status, body, None)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            self.close()
            error = f"{type(exc).__name__}: {exc}"
            return Record(question, started, time.monotonic(), None, None, error)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


class Load:
    """`clients` threads asking `questions` round-robin; use as a context manager."""

    def __init__(
        self,
        base_url: str,
        questions: Sequence[str],
        clients: int,
        max_requests: int,
        max_seconds: float,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.base_url = base_url
        self.questions = list(questions)
        self.max_requests = max_requests  # per client
        self.max_seconds = max_seconds
        self.headers = headers
        self.stop = threading.Event()
        self.records: list[Record] = []
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(clients)
        ]

    def __enter__(self) -> Load:
        self.deadline = time.monotonic() + self.max_seconds
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.finish()

    def finish(self) -> list[Record]:
        """Stop the clients and wait for their last requests to end."""
        self.stop.set()
        for thread in self._threads:
            thread.join(REQUEST_TIMEOUT + 5)
        return self.snapshot()

    def snapshot(self) -> list[Record]:
        with self._lock:
            return list(self.records)

    def wait_until(self, condition: Callable[[list[Record]], bool], timeout: float) -> bool:
        """Poll the records until `condition` holds (True) or `timeout` passes (False)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition(self.snapshot()):
                return True
            time.sleep(0.05)
        return condition(self.snapshot())

    def _run(self, number: int) -> None:
        client = Client(self.base_url, self.headers)
        # Each client walks its own stretch of the list, so clients do not ask in lockstep.
        start = number * len(self.questions) // len(self._threads)
        try:
            for i in range(self.max_requests):
                if self.stop.is_set() or time.monotonic() > self.deadline:
                    return
                question = self.questions[(start + i) % len(self.questions)]
                record = client.ask(question)
                with self._lock:
                    self.records.append(record)
        finally:
            client.close()


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (`fraction` 0.5 is the median)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]


def rss_bytes(pid: int) -> int:
    """Resident memory of a process, from /proc/<pid>/status (VmRSS is in kB)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for process {pid}")
