"""Real HTTP: `rag serve` in a subprocess on 127.0.0.1, and a bounded load generator.

The load generator speaks minimal HTTP/1.1 over asyncio streams with
keep-alive: it shares the two cores with the server, so it must cost as
little CPU per request as possible (a full client library would cost more
than the server's own HTTP handling and distort the figures).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.bench.common import QuestionSource, is_english, summary, timed

READY_TIMEOUT_S = 120.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str, timeout: float = 2.0) -> tuple[int, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(f"GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data.split(b"\r\n\r\n", 1)[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def server(
    index_dir: Path, log_path: Path, extra_env: dict[str, str] | None = None
) -> Iterator[tuple[int, float, int]]:
    """Start `rag serve`; yield (port, seconds until /health answered "ok", pid)."""
    port = free_port()
    env = dict(os.environ, RAG_RATE_LIMIT="0", RAG_INDEX_DIR=str(index_dir), **(extra_env or {}))
    env.pop("RAG_API_KEY", None)
    command = [sys.executable, "-c", "from rag.cli import main; main()", "serve"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--index", str(index_dir)]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            ready = _wait_ready(proc, port, started)
            yield port, ready, proc.pid
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


def _wait_ready(proc: subprocess.Popen, port: int, started: float) -> float:
    while time.perf_counter() - started < READY_TIMEOUT_S:
        if proc.poll() is not None:
            raise RuntimeError(f"`rag serve` exited with code {proc.returncode}; see its log")
        try:
            status, body = _get(port, "/health")
            if status == 200 and json.loads(body).get("status") == "ok":
                return time.perf_counter() - started
        except (OSError, ValueError, IndexError):
            pass
        time.sleep(0.01)
    raise RuntimeError(f"`rag serve` was not ready after {READY_TIMEOUT_S:.0f}s")


def _request(question: str, top_k: int = 3) -> bytes:
    body = json.dumps({"question": question, "top_k": top_k}, ensure_ascii=False).encode()
    head = (
        "POST /ask HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """(status, keep_alive) of one response; its body is read and dropped."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])}
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readline()).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers.get("connection", "").lower() != "close"


async def _load(port: int, questions: list[str], clients: int, max_seconds: float) -> Run:
    queue = iter(questions)
    latencies: list[float] = []
    english: list[bool] = []  # per answered request, for the split by language
    errors: dict[str, int] = {}
    deadline = time.perf_counter() + max_seconds

    async def client() -> None:
        conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        for question in queue:
            if time.perf_counter() > deadline:
                break
            t0 = time.perf_counter()
            try:
                if conn is None:
                    conn = await asyncio.open_connection("127.0.0.1", port)
                reader, writer = conn
                writer.write(_request(question))
                await writer.drain()
                status, keep_alive = await asyncio.wait_for(_read_response(reader), 30)
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                if conn is not None:
                    conn[1].close()
                conn = None
                continue
            elapsed = time.perf_counter() - t0
            if status == 200:
                latencies.append(elapsed)
                english.append(is_english(question))
            else:
                errors[str(status)] = errors.get(str(status), 0) + 1
            if not keep_alive:
                conn[1].close()
                conn = None
        if conn is not None:
            conn[1].close()

    t0 = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return Run(clients, latencies, english, errors, time.perf_counter() - t0)


@dataclass
class Run:
    clients: int
    latencies: list[float]  # seconds, successful requests only
    english: list[bool]
    errors: dict[str, int]
    wall: float


def load(port: int, questions: list[str], clients: int, max_seconds: float = 30.0) -> Run:
    """Send each question once over `clients` keep-alive connections; bounded in time."""
    return asyncio.run(_load(port, questions, clients, max_seconds))


def merge(runs: list[Run]) -> dict:
    """One level's figures from its runs: throughput is total answers over total time."""
    latencies = [x for r in runs for x in r.latencies]
    english = [e for r in runs for e in r.english]
    errors: dict[str, int] = {}
    for r in runs:
        for kind, n in r.errors.items():
            errors[kind] = errors.get(kind, 0) + n
    wall = sum(r.wall for r in runs)
    return {
        "clients": runs[0].clients,
        "ok": len(latencies),
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "qps": round(len(latencies) / wall, 1) if wall else 0.0,
        "seconds": round(wall, 2),
        **summary(latencies),
        "p50_ms_ar": summary([t for t, e in zip(latencies, english, strict=True) if not e])[
            "p50_ms"
        ],
        "p50_ms_en": summary([t for t, e in zip(latencies, english, strict=True) if e])["p50_ms"],
    }


def end_to_end(
    index_dir: Path,
    log_path: Path,
    questions: QuestionSource,
    floor_call: Callable[[str], object],
    ceiling_call: Callable[[list[str]], object],
    quick: bool = False,
) -> dict:
    """Cold start, then /ask at 1, 4 and 16 clients.

    The two target ratios are measured interleaved: c=1 in rounds alternating
    with the in-process floor (embed + search), c=16 in rounds alternating
    with the in-process ceiling (a batch of 32), so that a noisy spell on this
    shared machine hits numerator and denominator alike.
    """
    rounds = 4 if quick else 8
    with server(index_dir, log_path) as (port, ready, pid):
        load(port, questions.take(24), 4)  # warm the server's threads and code paths
        cpu_start = cpu_seconds(pid)
        floor_s: list[float] = []
        c1: list[Run] = []
        for _ in range(rounds):
            batch = questions.take(15)
            floor_s += timed(lambda i, b=batch: floor_call(b[i]), len(batch))
            c1.append(load(port, questions.take(15), 1))
        cpu_c1 = cpu_seconds(pid) - cpu_start
        c4 = [load(port, questions.take(100 if quick else 300), 4)]
        ceiling_s: list[float] = []
        c16: list[Run] = []
        cpu_c16 = 0.0
        for _ in range(rounds):
            for _ in range(2):
                batch = questions.take(32)
                start = time.perf_counter()
                ceiling_call(batch)
                ceiling_s.append((time.perf_counter() - start) / len(batch))
            cpu_start = cpu_seconds(pid)
            c16.append(load(port, questions.take(40 if quick else 100), 16))
            cpu_c16 += cpu_seconds(pid) - cpu_start
    levels = [merge(c1), merge(c4), merge(c16)]
    # Server CPU per answered request: the embedding plus everything around it.
    levels[0]["server_cpu_ms_per_request"] = round(cpu_c1 * 1000 / max(1, levels[0]["ok"]), 2)
    levels[2]["server_cpu_ms_per_request"] = round(cpu_c16 * 1000 / max(1, levels[2]["ok"]), 2)
    floor = summary(floor_s)
    ceiling_qps = 1.0 / float(np.median(ceiling_s))
    return {
        "cold_start_s": round(ready, 3),
        "levels": levels,
        "interleaved_floor": floor,
        "interleaved_ceiling_qps": round(ceiling_qps, 1),
        "p50_c1_over_floor": round(levels[0]["p50_ms"] / floor["p50_ms"], 3),
        "qps_c16_over_ceiling": round(levels[2]["qps"] / ceiling_qps, 3),
    }
