"""Indexing throughput: a full `build_index` of synthetic articles with the real model.

Each synthetic article is the seed article with the sentences of every body
paragraph shuffled: the same shape (title, headings, byline, boilerplate) and
length, different text, so nothing is reused and every passage is embedded.
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

from rag.bench.common import ARTICLE
from rag.embeddings import Embedder
from rag.index.builder import build_index
from rag.index.store import IndexStore
from rag.text.sentences import split_sentences


def _shuffled(source: str, rng: random.Random) -> str:
    blocks = source.split("\n\n")
    out = []
    for block in blocks:
        spans = split_sentences(block)
        if len(spans) > 1:
            sentences = [block[s:e] for s, e in spans]
            rng.shuffle(sentences)
            block = " ".join(sentences)
        out.append(block)
    return "\n\n".join(out)


def write_corpus(folder: Path, copies: int, article: Path = ARTICLE) -> None:
    source = article.read_text(encoding="utf-8")
    rng = random.Random(7)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(copies):
        (folder / f"synthetic-{i:03d}.ar.txt").write_text(_shuffled(source, rng), "utf-8")


def indexing(embedder: Embedder, copies: int = 8) -> dict:
    with tempfile.TemporaryDirectory(prefix="rag-bench-index-") as tmp:
        seeds = Path(tmp) / "seeds"
        write_corpus(seeds, copies)
        store = IndexStore(Path(tmp) / "index")
        t0 = time.perf_counter()
        report = build_index(seeds, store, embedder)
        seconds = time.perf_counter() - t0
        sentences = int((store.read_manifest() or {}).get("sentences", 0))
    return {
        "documents": report.documents,
        "passages": report.passages,
        "sentences": sentences,
        "seconds": round(seconds, 2),
        "passages_per_s": round(report.passages / seconds, 1),
        # Every passage and every sentence is embedded (highlights need sentence vectors).
        "texts_embedded_per_s": round((report.passages + sentences) / seconds, 1),
    }


def footprint(index_dir: Path) -> dict:
    """Bytes per passage of each file of the served index (what a passage costs in total).

    The FAISS file holds the passage vectors (their only copy); sentences.npz
    holds one vector per sentence for the highlights, about three per passage.
    """
    store = IndexStore(index_dir)
    manifest = store.read_manifest()
    folder = store.current_path()
    if not manifest or folder is None or not manifest.get("count"):
        return {}
    count = int(manifest["count"])
    files = {f.name: f.stat().st_size for f in sorted(folder.iterdir()) if f.is_file()}
    return {
        "passages": count,
        "sentences": manifest.get("sentences"),
        "bytes_per_passage": {name: round(size / count, 1) for name, size in files.items()},
        "total_bytes_per_passage": round(sum(files.values()) / count, 1),
    }
