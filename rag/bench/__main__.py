"""`python -m rag.bench [--quick] [--skip http,scaling,...]`: run, print, save JSON."""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from rag.bench.common import QuestionSource, machine
from rag.config import Settings
from rag.service import QAService

SECTIONS = (
    "floor",
    "clients",
    "concurrency",
    "http",
    "questionlog",
    "indexing",
    "archive",
    "ray",
    "scaling",
)
LEVELS = (1, 4, 16)  # the concurrency levels of the issue


def run_http(service: QAService, questions: QuestionSource, quick: bool, out_dir: Path) -> dict:
    try:
        import rag.api.app  # noqa: F401
    except ImportError as exc:
        return {"skipped": f"rag.api.app is not available ({exc})"}
    from rag.bench.http import end_to_end
    from rag.index.vectors import search

    embedder = service.embedder
    vectors = service.snapshot().index.vectors

    def floor_call(question: str) -> None:
        search(vectors, embedder.embed_queries([question])[0], 3)

    return end_to_end(
        service.settings.index_dir,
        out_dir / "server.log",
        questions,
        floor_call,
        embedder.embed_queries,
        quick,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m rag.bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="Smaller runs, for a smoke test.")
    parser.add_argument("--skip", default="", help=f"Comma-separated sections of {SECTIONS}.")
    parser.add_argument("--out", type=Path, default=Path("bench-results"))
    parser.add_argument(
        "--budget",
        type=float,
        default=540.0,
        help="Seconds the whole run may take; a scaling size that would overrun is skipped.",
    )
    args = parser.parse_args(argv)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    unknown = skip - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")

    started = time.perf_counter()
    stamp = time.strftime("%Y%m%dT%H%M%S")
    settings = Settings()
    results: dict = {
        "loadavg_start": [round(x, 2) for x in os.getloadavg()],
        "started": stamp,
        "machine": machine(),
        "settings": {
            "batch_max_size": settings.batch_max_size,
            "batch_max_wait_ms": settings.batch_max_wait_ms,
            "cache_size": settings.cache_size,
            "exact_search_limit": settings.exact_search_limit,
        },
    }
    questions = QuestionSource()
    service = QAService(settings)
    service.load()
    embedder = service.embedder  # one model for every in-process section

    if "floor" not in skip:
        from rag.bench.floor import floor

        print("floor ...", flush=True)
        results["floor"] = floor(service, questions, n=100 if args.quick else 200)
    if "clients" not in skip:
        from rag.bench.clients import clients

        print("clients: new connection vs keep-alive vs in process ...", flush=True)
        results["clients"] = clients(
            service,
            settings.index_dir,
            args.out / "server-clients.log",
            questions,
            rounds=4 if args.quick else 10,
        )
    if "http" not in skip:
        print("HTTP ...", flush=True)
        results["http"] = run_http(service, questions, args.quick, args.out)
    if "questionlog" not in skip:
        from rag.bench.questionlog import hook_cost, logging_overhead

        print("question log on / off ...", flush=True)
        results["questionlog"] = logging_overhead(
            settings.index_dir, args.out, questions, args.quick
        )
        results["questionlog"]["hook"] = hook_cost(service, questions)
    if "concurrency" not in skip:
        from rag.bench.floor import lock_vs_batch

        print("lock vs micro-batching ...", flush=True)
        results["concurrency"] = lock_vs_batch(
            service,
            questions,
            LEVELS,
            per_level=64 if args.quick else 160,
            rounds=1 if args.quick else 2,
        )
    if "indexing" not in skip:
        from rag.bench.indexing import footprint, indexing

        print("indexing ...", flush=True)
        results["indexing"] = indexing(embedder, copies=2 if args.quick else 8)
        results["indexing"]["footprint"] = footprint(settings.index_dir)
    if "archive" not in skip:
        from rag.bench.indexing import archive_indexing

        print("indexing the dev archive ...", flush=True)
        results["archive_indexing"] = archive_indexing(embedder, stride=9 if args.quick else 3)
    if "ray" not in skip:
        from rag.bench.indexing import ray_indexing

        print("indexing the dev archive on Ray ...", flush=True)
        results["ray_indexing"] = ray_indexing(embedder, stride=9 if args.quick else 3)
    service.close()
    if "scaling" not in skip:
        from rag.bench.scaling import scaling

        print("scaling ...", flush=True)
        sizes = (1_000, 10_000) if args.quick else (1_000, 10_000, 20_000, 100_000)
        results["scaling"] = scaling(
            embedder,
            sizes,
            timed_queries=100 if args.quick else 300,
            exact_limit=settings.exact_search_limit,
            deadline=started + args.budget,
        )
    results["seconds"] = round(time.perf_counter() - started, 1)
    # Background load from other work on the machine, to judge how noisy the run was.
    results["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]

    from rag.bench.report import render

    print(render(results))
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"bench-{stamp}.json"
    path.write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    print(f"\nwritten to {path}")


if __name__ == "__main__":
    main()
