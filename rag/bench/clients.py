"""Latency for every kind of client: a new connection per request, keep-alive, in process.

One client at a time, on the seed article. Each round asks a few questions in
process (`QAService.ask`), then over one kept-alive connection, then with a
fresh TCP connection per request (as `curl` and most API clients do), in a
rotating order so that a noisy spell on the shared machine falls on every
kind alike. For HTTP both the client's wall time and the server's own
`took_ms` are kept: the gap between them is connection and HTTP overhead,
while a rise in `took_ms` itself means the connection work slowed the
question path (the issue's finding).

The client is a blocking socket speaking minimal HTTP/1.1: it costs almost no
CPU on the two cores the server also needs.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path

from rag.bench.common import QuestionSource, summary
from rag.bench.http import server
from rag.service import QAService

KINDS = ("in_process", "keep_alive", "new_connection")
TARGET_RATIO = 1.3


def _request(question: str, close: bool) -> bytes:
    body = json.dumps({"question": question, "top_k": 3}, ensure_ascii=False).encode()
    head = (
        "POST /ask HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
    )
    if close:
        head += "Connection: close\r\n"
    return head.encode() + b"\r\n" + body


def _read(conn: socket.socket, buffer: bytearray) -> tuple[int, bytes]:
    """One response from `conn` (status, body); what follows stays in `buffer`."""
    while b"\r\n\r\n" not in buffer:
        chunk = conn.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection mid-response")
        buffer += chunk
    head, _, rest = bytes(buffer).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection mid-body")
        rest += chunk
    buffer[:] = rest[length:]
    return status, rest[:length]


class KeepAliveClient:
    def __init__(self, port: int) -> None:
        self.port = port
        self._conn: socket.socket | None = None
        self._buffer = bytearray()

    def ask(self, question: str) -> tuple[int, bytes]:
        if self._conn is None:
            self._conn = socket.create_connection(("127.0.0.1", self.port), timeout=30)
            self._conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._buffer.clear()
        self._conn.sendall(_request(question, close=False))
        return _read(self._conn, self._buffer)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def ask_new_connection(port: int, question: str) -> tuple[int, bytes]:
    """Connect, ask, read, close: what `curl` does for each request."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.sendall(_request(question, close=True))
        return _read(conn, bytearray())


def _timed_http(call: Callable[[str], tuple[int, bytes]], question: str, out: dict) -> None:
    start = time.perf_counter()
    status, body = call(question)
    elapsed = time.perf_counter() - start
    if status != 200:
        out["errors"] += 1
        return
    out["client"].append(elapsed)
    out["server"].append(json.loads(body)["took_ms"] / 1000.0)


def clients(
    service: QAService,
    index_dir: Path,
    log_path: Path,
    questions: QuestionSource,
    rounds: int = 10,
    per_round: int = 12,
    server_env: dict[str, str] | None = None,
) -> dict:
    """p50 of each kind of client at concurrency 1, and each HTTP kind's ratio to in-process."""
    samples = {kind: {"client": [], "server": [], "errors": 0} for kind in KINDS}
    with server(index_dir, log_path, server_env) as (port, _ready, _pid):
        keep_alive = KeepAliveClient(port)
        # Warm both paths (threads, code, the OS's socket caches) before timing.
        for question in questions.take(8):
            keep_alive.ask(question)
            ask_new_connection(port, question + " ")
        calls: dict[str, Callable[[str], tuple[int, bytes]]] = {
            "keep_alive": keep_alive.ask,
            "new_connection": lambda q: ask_new_connection(port, q),
        }
        for r in range(rounds):
            order = KINDS[r % 3 :] + KINDS[: r % 3]
            for kind in order:
                if kind == "keep_alive":
                    # uvicorn closes a connection idle for 5 s (while the other kinds
                    # ran): open it again, untimed, as a keep-alive client would.
                    keep_alive.close()
                    keep_alive.ask(questions.take(1)[0])
                for question in questions.take(per_round):
                    if kind == "in_process":
                        start = time.perf_counter()
                        took = service.ask(question).took_ms
                        samples[kind]["client"].append(time.perf_counter() - start)
                        samples[kind]["server"].append(took / 1000.0)
                    else:
                        _timed_http(calls[kind], question, samples[kind])
        keep_alive.close()
    result: dict = {
        "rounds": rounds,
        "per_round": per_round,
        # The server inherits them; rag/threads.py sets a short spin unless one was set.
        "openmp": {name: os.environ.get(name) for name in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")},
    }
    for kind, s in samples.items():
        result[kind] = {
            "client": summary(s["client"]),
            "server_took": summary(s["server"]),
            "errors": s["errors"],
        }
    floor = result["in_process"]["client"]["p50_ms"]
    for kind in ("keep_alive", "new_connection"):
        result[f"{kind}_over_in_process"] = round(result[kind]["client"]["p50_ms"] / floor, 3)
        result[f"{kind}_server_over_in_process"] = round(
            result[kind]["server_took"]["p50_ms"] / floor, 3
        )
    return result


def render_clients(c: dict) -> str:
    """The section's table and the two ratios against the 1.3x target."""
    lines = [
        f"\n== clients at concurrency 1 (p50 ms; {c['rounds']} interleaved rounds of "
        f"{c['per_round']}; OpenMP {c.get('openmp')})",
        f"{'client':<16}{'client p50':>12}{'client p99':>12}{'server took p50':>17}{'errors':>8}",
    ]
    for kind in KINDS:
        k = c[kind]
        lines.append(
            f"{kind:<16}{k['client']['p50_ms']:>12.2f}{k['client']['p99_ms']:>12.2f}"
            f"{k['server_took']['p50_ms']:>17.2f}{k['errors']:>8}"
        )
    for kind in ("keep_alive", "new_connection"):
        ratio = c[f"{kind}_over_in_process"]
        verdict = "ok" if ratio <= TARGET_RATIO else "OVER"
        lines.append(
            f"{kind} / in-process p50: {ratio:.2f}x (target <= {TARGET_RATIO}x: {verdict}); "
            f"server took / in-process: {c[f'{kind}_server_over_in_process']:.2f}x"
        )
    return "\n".join(lines)
