"""Indexing throughput: `build_index` on a slice of the dev archive and on synthetic articles.

Each synthetic article is the seed article with the sentences of every body
paragraph shuffled: the same shape (title, headings, byline, boilerplate) and
length, different text, so nothing is reused and every passage is embedded.
"""

from __future__ import annotations

import os
import random
import shutil
import tempfile
import time
from pathlib import Path

from rag.bench.common import ARTICLE
from rag.bench.focus import focus_cost
from rag.bench.translation import archive_questions, word_matching
from rag.config import Settings
from rag.embeddings import Embedder
from rag.index.builder import build_index
from rag.index.embedding import EMBED_BATCH, passage_embedding_text
from rag.index.store import IndexStore
from rag.index.terms import TermTable
from rag.ingest import discover, load_document
from rag.text.dictionary import load_dictionary
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


ARCHIVE_SEEDS = Path("eval/archive/seeds")
# A fixed slice of the dev archive: every third document by name, so Arabic
# Wikipedia, XQuAD in both languages and the seed article are all in it.
ARCHIVE_STRIDE = 3


def archive_slice(seeds: Path = ARCHIVE_SEEDS, stride: int = ARCHIVE_STRIDE) -> list[Path]:
    return discover(seeds)[::stride]


def _rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def archive_indexing(
    embedder: Embedder, seeds: Path = ARCHIVE_SEEDS, stride: int = ARCHIVE_STRIDE
) -> dict:
    """Index a slice of the dev archive, next to the engine embedding its passages once.

    All on the same texts in the same run: the engine alone (passages in
    batches of 32, what the issue measured), a build with each way of making
    passage vectors (`rag index` uses `Settings.passage_vectors`, "full"), and
    the term table alone, cold (a part of each build that later builds reuse).
    """
    paths = archive_slice(seeds, stride)
    if not paths:
        return {"skipped": f"no documents in {seeds}/"}
    documents = _read(paths)
    texts = [passage_embedding_text(d, p) for d in documents for p in d.passages]
    count = getattr(embedder, "count_tokens", None)
    tokens = sum(count(texts)) if count else None

    t0 = time.perf_counter()
    for i in range(0, len(texts), EMBED_BATCH):
        embedder.embed_passages(texts[i : i + EMBED_BATCH])
    engine_s = time.perf_counter() - t0
    result: dict = {
        "default": Settings().passage_vectors,
        "documents": len(documents),
        "passages": len(texts),
        "tokens": tokens,
        "engine": _rates(engine_s, len(texts), tokens),
    }
    with tempfile.TemporaryDirectory(prefix="rag-bench-archive-") as tmp:
        folder = Path(tmp) / "seeds"
        folder.mkdir()
        for path in paths:
            shutil.copy(path, folder / path.name)
        for mode in ("pooled", "full"):
            store = IndexStore(Path(tmp) / f"index-{mode}")
            t0 = time.perf_counter()
            build_index(folder, store, embedder, passage_vectors=mode)
            seconds = time.perf_counter() - t0
            result[mode] = {
                **_rates(seconds, len(texts), tokens),
                "over_engine": round(seconds / engine_s, 2),
            }
            if mode == "full":
                questions = archive_questions(seeds.parent)
                if questions:
                    loaded = store.load()
                    settings = Settings()
                    result["word_matching"] = word_matching(
                        loaded, embedder, questions, settings.dictionary_dir
                    )
                    dictionary = load_dictionary(settings.dictionary_dir, settings.cache_dir)
                    result["focus"] = focus_cost(loaded, embedder, questions, dictionary)
            if mode == "pooled":
                before = _rss_bytes()
                loaded = store.load()
                result["memory_bytes_per_passage"] = round((_rss_bytes() - before) / len(texts))
                del loaded
                result["footprint"] = footprint(store.root)
    # Cold: built from nothing, as in a first build. Later builds reuse it.
    t0 = time.perf_counter()
    table = TermTable.build(texts, embedder)
    seconds = time.perf_counter() - t0
    result["term_table"] = {
        "terms": len(table),
        "seconds": round(seconds, 2),
        "over_engine": round(seconds / engine_s, 2),
    }
    return result


def _rates(seconds: float, passages: int, tokens: int | None) -> dict:
    return {
        "seconds": round(seconds, 2),
        "passages_per_s": round(passages / seconds, 2),
        "tokens_per_s": round(tokens / seconds, 1) if tokens else None,
    }


def ray_indexing(embedder: Embedder, stride: int = ARCHIVE_STRIDE, workers: int = 2) -> dict:
    """The same archive slice through `rag index --ray local`, and per worker.

    `build` is the whole run as the CLI does it (Ray start-up, actors, model
    loads, then the driver's term table and calibration); `per_worker` times
    only the cluster's part with one actor (its start and model load included;
    a warm-up run first loads Ray's worker processes), the figure that
    multiplies with workers.
    """
    try:
        import ray
    except ImportError as exc:
        return {"skipped": f"Ray is not installed ({exc}); pip install '.[ray]'"}
    from rag.embeddings import canonical_model_name
    from rag.index.ray_backfill import RayBackfill

    paths = archive_slice(ARCHIVE_SEEDS, stride)
    passages = sum(len(d.passages) for d in _read(paths))
    model = canonical_model_name(embedder.name)
    result: dict = {"documents": len(paths), "passages": passages, "workers": workers}
    with tempfile.TemporaryDirectory(prefix="rag-bench-ray-") as tmp:
        folder = Path(tmp) / "seeds"
        folder.mkdir()
        for path in paths:
            shutil.copy(path, folder / path.name)
        t0 = time.perf_counter()
        build_index(
            folder,
            IndexStore(Path(tmp) / "index"),
            embedder,
            prepare_documents=RayBackfill("local", model, workers=workers),
        )
        result["build"] = _rates(time.perf_counter() - t0, passages, None)
        ray.init(include_dashboard=False, _node_ip_address="127.0.0.1", log_to_driver=False)
        try:
            one = RayBackfill("local", model, workers=1)
            one(_read(discover(folder)[:1]), {})  # warm-up: the pool's first actor start
            t0 = time.perf_counter()
            one(_read(discover(folder)), {})
            result["per_worker"] = _rates(time.perf_counter() - t0, passages, None)
        finally:
            ray.shutdown()
    return result


def _read(paths: list[Path]) -> list:
    return [load_document(p) for p in paths]
