"""Soak: 32 concurrent clients for 60 s against a real `rag serve` on 127.0.0.1.

Runs in `make soak` only (marker `soak`). The clients mix Arabic and English
questions: a few popular ones that the answer cache serves, and many distinct
variants that it cannot, so most requests embed and retrieve for real and the
cache evicts all along. The rate limit is off (RAG_RATE_LIMIT=0).

It measures requests served, errors, p50/p99 latency and the server's
resident memory (VmRSS) before, during and after, prints them and writes them
to test-artifacts/soak.json. It asserts zero errors and a memory growth below
`RSS_GROWTH_LIMIT`; latency is reported, never asserted.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import running_server
from loadgen import Client, Load, Record, percentile, rss_bytes

pytestmark = pytest.mark.soak

CLIENTS = 32
SECONDS = 60.0
MAX_REQUESTS = 20_000  # per client: a bound on the loop, far above what 60 s allows
WARM_UP_REQUESTS = 64
RSS_GROWTH_LIMIT = 150 * 2**20  # bytes, from after warm-up to the end of the run
ARTIFACT = Path(__file__).resolve().parents[1] / "test-artifacts" / "soak.json"
MB = 2**20

ENGLISH = [
    "why does China need Russia?",
    "what did Putin and Xi agree on in Beijing?",
    "who wrote this article?",
    "what is the significance of the visit?",
    "how do chat widgets leak data?",
    "why must widgets escape quoted text?",
]
ARABIC = [
    "لماذا تحتاج الصين إلى روسيا؟",
    "ما هي دلالات زيارة بوتين إلى بكين؟",
    "من كاتب المقال؟",
    "ما هي أجندة الزيارة؟",
    "ما موقف الصين من الحرب في أوكرانيا؟",
    "ما أهمية العلاقات الاقتصادية بين البلدين؟",
]


def questions(count: int) -> list[str]:
    """Every third question is a popular one (cache hits); the rest are all distinct."""
    popular = ENGLISH + ARABIC
    out = []
    for i in range(count):
        base = popular[i % len(popular)]
        if i % 3 == 0:
            out.append(base)
        elif base in ARABIC:
            out.append(f"{base} (سؤال رقم {i})")
        else:
            out.append(f"{base} (question {i})")
    return out


@dataclass
class SoakRun:
    records: list[Record]
    seconds: float
    rss_start: int  # after startup, before any question
    rss_warm: int  # after the warm-up questions
    rss_peak: int  # highest sample during the load
    rss_end: int  # after the load
    rss_samples: list[int]  # one a second during the load


class RssSampler:
    """Samples a process's VmRSS once a second in a thread, until stopped."""

    def __init__(self, pid: int) -> None:
        self.pid, self.samples, self.stop = pid, [rss_bytes(pid)], threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.wait(1.0):
            self.samples.append(rss_bytes(self.pid))

    def __enter__(self) -> RssSampler:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(5)


@pytest.fixture(scope="module")
def soak(index_dir: Path, tmp_path_factory) -> Iterator[SoakRun]:
    workdir = tmp_path_factory.mktemp("soak")
    with running_server(index_dir, workdir, RAG_RATE_LIMIT="0") as (base_url, process):
        rss_start = rss_bytes(process.pid)
        client = Client(base_url)
        warm = [client.ask(q) for q in questions(WARM_UP_REQUESTS)]
        client.close()
        assert all(r.ok for r in warm), [r.error or r.status for r in warm if not r.ok]
        rss_warm = rss_bytes(process.pid)

        started = time.monotonic()
        load = Load(base_url, questions(50_000), CLIENTS, MAX_REQUESTS, SECONDS)
        with RssSampler(process.pid) as sampler, load:
            time.sleep(SECONDS)
            records = load.finish()
        seconds = time.monotonic() - started
        rss_end = rss_bytes(process.pid)
        assert process.poll() is None, "the server died under load"
    samples = sampler.samples
    run = SoakRun(records, seconds, rss_start, rss_warm, max(samples), rss_end, samples)
    write_report(run)
    yield run


def report(run: SoakRun) -> dict:
    latencies = [(r.ended - r.started) * 1000 for r in run.records]
    served = sum(r.ok for r in run.records)
    return {
        "clients": CLIENTS,
        "seconds": round(run.seconds, 1),
        "requests": len(run.records),
        "served": served,
        "errors": len(run.records) - served,
        "arabic_requests": sum(
            any("\u0600" <= c <= "\u06ff" for c in r.question) for r in run.records
        ),
        "requests_per_second": round(len(run.records) / run.seconds, 1),
        "latency_ms": {
            "p50": round(percentile(latencies, 0.50), 1),
            "p90": round(percentile(latencies, 0.90), 1),
            "p99": round(percentile(latencies, 0.99), 1),
            "max": round(max(latencies), 1),
        },
        "rss_mb": {
            "start": round(run.rss_start / MB, 1),
            "after_warm_up": round(run.rss_warm / MB, 1),
            "peak": round(run.rss_peak / MB, 1),
            "end": round(run.rss_end / MB, 1),
            "growth_after_warm_up": round((run.rss_end - run.rss_warm) / MB, 1),
            "limit_on_growth": RSS_GROWTH_LIMIT / MB,
            "every_10_s": [round(rss / MB, 1) for rss in run.rss_samples[::10]],
        },
    }


def write_report(run: SoakRun) -> None:
    figures = report(run)
    ARTIFACT.parent.mkdir(exist_ok=True)
    ARTIFACT.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"\nsoak: {json.dumps(figures)}")


def test_soak_serves_every_request_without_error(soak: SoakRun, capsys) -> None:
    with capsys.disabled():
        print(f"\nsoak figures ({ARTIFACT}):\n{json.dumps(report(soak), indent=2)}")
    errors = [f"{r.status} {r.error or r.body}" for r in soak.records if not r.ok]
    assert soak.records and not errors, errors[:5]


def test_soak_mixes_arabic_and_english(soak: SoakRun) -> None:
    figures = report(soak)
    assert 0 < figures["arabic_requests"] < figures["requests"]


def test_soak_memory_growth_stays_bounded(soak: SoakRun) -> None:
    assert soak.rss_end - soak.rss_warm < RSS_GROWTH_LIMIT
    assert soak.rss_peak - soak.rss_warm < RSS_GROWTH_LIMIT
