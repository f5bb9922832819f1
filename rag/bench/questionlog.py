"""Does the question log cost latency? Two `rag serve`s, log on and log off, same run.

Both servers run side by side on one index and get the very same questions, in
rounds that alternate which server goes first, so that a noisy spell on this
shared machine hits both alike. Each server sees each question once (no cache
hits). The figures are the on/off ratios of p50 latency at 1 client and of p50
and throughput at 16 clients; per-round ratios show the noise floor.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from pathlib import Path

import numpy as np

from rag.bench.common import QuestionSource, timed
from rag.bench.http import load, merge, server
from rag.service import QAService


def _ratio(on: float, off: float) -> float | None:
    return round(on / off, 3) if off else None


def logging_overhead(
    index_dir: Path, out_dir: Path, questions: QuestionSource, quick: bool = False
) -> dict:
    rounds = 3 if quick else 6
    out_dir.mkdir(parents=True, exist_ok=True)
    on_log, off_log = out_dir / "server-log-on.log", out_dir / "server-log-off.log"
    with (
        tempfile.TemporaryDirectory(prefix="rag-bench-log-") as data_dir,
        server(index_dir, on_log, {"RAG_DATA_DIR": data_dir}) as (on, _, _),
        server(index_dir, off_log, {"RAG_QUESTION_LOG": "false"}) as (off, _, _),
    ):
        warm = questions.take(24)
        load(on, warm, 4)
        load(off, warm, 4)
        runs: dict[str, dict[int, list]] = {"on": {1: [], 16: []}, "off": {1: [], 16: []}}
        for i in range(rounds):
            order = [("on", on), ("off", off)] if i % 2 == 0 else [("off", off), ("on", on)]
            for clients, size in ((1, 15), (16, 64)):
                batch = questions.take(size)
                for name, port in order:
                    runs[name][clients].append(load(port, batch, clients))
        written = _written(Path(data_dir))
    result: dict = {"rounds": rounds, "records_written": written}
    for clients in (1, 16):
        on_level, off_level = merge(runs["on"][clients]), merge(runs["off"][clients])
        per_round = [
            _ratio(merge([a])["p50_ms"], merge([b])["p50_ms"])
            for a, b in zip(runs["on"][clients], runs["off"][clients], strict=True)
        ]
        result[f"c{clients}"] = {
            "on": on_level,
            "off": off_level,
            "p50_on_over_off": _ratio(on_level["p50_ms"], off_level["p50_ms"]),
            "qps_on_over_off": _ratio(on_level["qps"], off_level["qps"]),
            "per_round_p50_ratios": per_round,
        }
    return result


def hook_cost(service: QAService, questions: QuestionSource, n: int = 2000) -> dict:
    """CPU the request path spends on the log: build the record and queue it (in process).

    Much steadier than HTTP latencies on a busy machine: it times only the added work,
    against the in-process `ask` of the same run.
    """
    from rag.newsroom.records import AskRecord
    from rag.newsroom.store import QuestionLog

    batch = questions.take(20)
    asks = timed(lambda i: service.ask(batch[i]), len(batch))
    responses = [service.ask(q) for q in batch]
    with tempfile.TemporaryDirectory(prefix="rag-bench-hook-") as data_dir:
        log = QuestionLog(Path(data_dir), 1)
        log.open()

        def one(i: int) -> None:
            response = responses[i % len(responses)]
            log.record(
                AskRecord.of(
                    response,
                    id=f"bench-{i}",
                    asked_at=time.time(),
                    document=None,
                    generation="g",
                    client=log.hasher.hash("127.0.0.1"),
                )
            )

        costs = timed(one, n)
        log.flush(30)
        log.close()
    hook_us = float(np.median(costs)) * 1e6
    ask_ms = float(np.median(asks)) * 1e3
    return {
        "records": n,
        "hook_p50_us": round(hook_us, 1),
        "ask_p50_ms": round(ask_ms, 2),
        "hook_share_of_ask": round(hook_us / 1000 / ask_ms, 6) if ask_ms else None,
    }


def _written(data_dir: Path) -> int:
    import sqlite3

    from rag.newsroom.store import FILENAME

    # The log-on server has stopped (and drained) by now; its rows prove it logged.
    with contextlib.closing(sqlite3.connect(data_dir / FILENAME)) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM questions").fetchone()[0])
