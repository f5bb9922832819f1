"""Build the index from the seed documents, re-embedding only what changed."""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from rag.documents import Document
from rag.embeddings import Embedder, canonical_model_name
from rag.errors import RagError
from rag.index.bm25 import BM25Index
from rag.index.calibration import blended_similarity, fit_calibration
from rag.index.embedding import (
    EmbeddedDocument,
    Prepared,
    embedding_key,  # noqa: F401  (re-exported: tests and tools import them from here)
    passage_embedding_text,  # noqa: F401
    prepare,
    sentence_spans,  # noqa: F401
)
from rag.index.store import (
    DOCUMENTS,
    FORMAT_VERSION,
    MANIFEST,
    SENTENCES,
    VECTORS,
    IndexStore,
    LoadedIndex,
    SentenceTable,
)
from rag.index.terms import TermTable
from rag.index.vectors import EXACT_SEARCH_LIMIT, build_vector_index, index_kind, write_vector_index
from rag.ingest import IngestLimits
from rag.ingest.sources import collect_all

# Bump when what a build derives from unchanged documents changes (the term
# table, the calibration): the next `rag index` then rewrites the generation,
# reusing every vector it can, instead of keeping the current one.
# 3: the level table from `LEVEL_QUESTIONS`; 4: sentence weight by pieces;
# 5: the background questions' mean vectors; 6: the centred questions' tables
BUILD_RULES = 6

Progress = Callable[[int], None]


@dataclass
class BuildReport:
    documents: int = 0
    passages: int = 0
    embedded: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    generation: str = ""
    unchanged: bool = False  # nothing to do: the current generation was kept
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why): not indexed
    notes: list[tuple[str, str]] = field(default_factory=list)  # (file, caveat): indexed


class Prepare(Protocol):
    """Embed each of `documents` whose manifest entry in `previous` no longer fits."""

    def __call__(
        self,
        documents: list[Document],
        previous: dict[str, dict],
        *,
        on_total: Callable[[int], None] | None = None,
        on_progress: Progress | None = None,
    ) -> list[Prepared]: ...


def build_index(
    seeds_dir: Path,
    store: IndexStore,
    embedder: Embedder,
    exact_search_limit: int = EXACT_SEARCH_LIMIT,
    on_total: Callable[[int], None] | None = None,
    on_progress: Progress | None = None,
    limits: IngestLimits | None = None,
    passage_vectors: str = "full",
    prepare_documents: Prepare | None = None,
) -> BuildReport:
    """Write a new index generation for every document in `seeds_dir`.

    Documents pushed by the API or fetched from feeds (kept under the index
    folder, `rag.ingest.sources`) are indexed too. Unreadable files are
    skipped and listed in `report.skipped`.

    Progress: `on_total(n)` adds n texts to embed (once per phase: paragraphs and
    sentences, then new corpus terms); `on_progress(n)` reports n embedded.
    `passage_vectors` is how passage vectors are made (`rag.index.embedding`);
    `prepare_documents` replaces the local parsing and embedding (`rag.index.ray_backfill`).
    """
    started = time.perf_counter()
    model = canonical_model_name(embedder.name)
    if prepare_documents is None:
        prepare_documents = functools.partial(prepare, embedder=embedder, mode=passage_vectors)
    with store.lock():
        collected = collect_all(seeds_dir, store.root, limits)
        if not collected.documents:
            skipped = f" ({len(collected.skipped)} unreadable)" if collected.skipped else ""
            raise RagError(
                f"no .txt or .md documents (nor .html) in {seeds_dir}/{skipped}; "
                "add articles there first"
            )
        previous = _reusable(store, model)
        old_entries = previous.manifest["documents"] if previous else {}
        # Embedding (locally, or spread over a Ray cluster), then one writer.
        prepared = prepare_documents(
            collected.documents, old_entries, on_total=on_total, on_progress=on_progress
        )
        # Grouped by language, so that each language's passages are one row range.
        prepared.sort(key=lambda item: (item.document.language, item.document.id))
        documents = [item.document for item in prepared]
        report = BuildReport(
            documents=len(documents), skipped=collected.skipped, notes=collected.notes
        )
        report.removed = sorted(set(old_entries) - {d.id for d in documents})
        keys = {item.document.id: item.key for item in prepared}

        changed = {item.document.id for item in prepared if item.embedded is not None}
        passages = sum(len(d.passages) for d in documents)
        same_kind = previous is not None and previous.manifest.get("index_type") == (
            "hnsw" if passages > exact_search_limit else "flat"
        )
        rules = (
            previous is not None
            and previous.calibration is not None
            and previous.lexical is not None
            and previous.manifest.get("rules") == BUILD_RULES
        )
        if same_kind and rules and not changed and not report.removed:
            # Nothing to embed and nothing gone: the current generation is this index.
            report.reused = [d.id for d in documents]
            report.generation = previous.generation
            report.unchanged = True
            report.passages = passages
            report.seconds = time.perf_counter() - started
            return report
        embedded = embedded_by_document(prepared, previous)
        report.embedded = [i.document.id for i in prepared if i.embedded is not None]
        report.reused = [i.document.id for i in prepared if i.embedded is None]

        with store.new_generation() as folder:
            _write_generation(
                folder,
                documents,
                keys,
                embedded,
                embedder,
                model,
                exact_search_limit,
                previous.terms if previous else None,
                on_total,
                on_progress,
            )
            report.generation = folder.name.removeprefix(".tmp-")
    report.passages = sum(len(d.passages) for d in documents)
    report.seconds = time.perf_counter() - started
    return report


def _nearest(matrix: np.ndarray, queries: np.ndarray, rows: range, k: int) -> list[np.ndarray]:
    """The k rows of `rows` nearest each query, by paragraph vector (exact)."""
    sims = np.asarray(queries, np.float32) @ matrix[rows.start : rows.stop].T
    k = min(k, len(rows))
    top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
    return [rows.start + np.sort(t) for t in top]


def _reusable(store: IndexStore, model: str) -> LoadedIndex | None:
    """The current index, if its vectors can be reused by this model."""
    try:
        previous = store.load(strict=False)
    except RagError:
        return None  # missing or corrupt: rebuild everything
    if previous.model != model:
        return None
    return previous


def embedded_by_document(
    prepared: list[Prepared], previous: LoadedIndex | None
) -> dict[str, EmbeddedDocument]:
    """Each document's vectors: the ones just made, else the current generation's."""
    rows_by_doc = previous.document_rows if previous else {}
    return {
        item.document.id: item.embedded
        if item.embedded is not None
        else _reuse_document(previous, rows_by_doc[item.document.id])
        for item in prepared
    }


def _reuse_document(previous: LoadedIndex | None, rows: range) -> EmbeddedDocument:
    assert previous is not None
    dim = previous.vectors.d
    if not rows:
        return EmbeddedDocument(np.zeros((0, dim), np.float32), [], np.zeros((0, dim), np.float32))
    passage_vectors = previous.vectors.reconstruct_n(rows.start, len(rows))
    table = previous.sentences
    # Sentences are sorted by passage row, so a document's are one slice.
    lo = int(np.searchsorted(table.passage_rows, rows.start, side="left"))
    hi = int(np.searchsorted(table.passage_rows, rows.stop, side="left"))
    spans = [
        (int(r) - rows.start, int(s), int(e))
        for r, s, e in zip(
            table.passage_rows[lo:hi], table.starts[lo:hi], table.ends[lo:hi], strict=True
        )
    ]
    return EmbeddedDocument(passage_vectors, spans, table.vectors[lo:hi])


def _write_generation(
    folder: Path,
    documents: list[Document],
    keys: dict[str, str],
    embedded: dict[str, EmbeddedDocument],
    embedder: Embedder,
    model: str,
    exact_search_limit: int,
    previous_terms: TermTable | None,
    on_total: Callable[[int], None] | None = None,
    on_progress: Progress | None = None,
) -> None:
    dim = embedder.dim
    vectors = [embedded[d.id].passage_vectors for d in documents]
    matrix = np.vstack(vectors) if vectors else np.zeros((0, dim), np.float32)
    index = build_vector_index(matrix, exact_search_limit)
    write_vector_index(index, folder / VECTORS)

    rows, starts, ends, sentence_vectors = [], [], [], []
    offset = 0
    for doc in documents:
        item = embedded[doc.id]
        for local_row, start, end in item.sentence_spans:
            rows.append(offset + local_row)
            starts.append(start)
            ends.append(end)
        sentence_vectors.append(item.sentence_vectors)
        offset += len(doc.passages)
    sentences = SentenceTable(
        np.asarray(rows, dtype=np.int32),
        np.asarray(starts, dtype=np.int32),
        np.asarray(ends, dtype=np.int32),
        # float16: sentence vectors only pick highlights and rank near-ties, and
        # they outnumber passages ~3 to 1; half the memory is worth 3 decimals.
        (np.vstack(sentence_vectors) if sentence_vectors else np.zeros((0, dim))).astype(
            np.float16
        ),
        passages=offset,
    )
    np.savez(
        folder / SENTENCES,
        passage_rows=sentences.passage_rows,
        starts=sentences.starts,
        ends=sentences.ends,
        vectors=sentences.vectors,
    )

    passages = [p for d in documents for p in d.passages]
    texts = [p.text for p in passages]
    BM25Index.build(texts).save(folder)
    TermTable.build(
        texts, embedder, previous=previous_terms, on_total=on_total, on_progress=on_progress
    ).save(folder)

    language_rows: dict[str, range] = {}
    row = 0
    for doc in documents:
        if doc.passages:
            span = language_rows.get(doc.language)
            language_rows[doc.language] = range(
                span.start if span else row, row + len(doc.passages)
            )
        row += len(doc.passages)
    calibration = fit_calibration(
        embedder,
        model,
        language_rows,
        {
            lang: sum(d.language == lang and bool(d.passages) for d in documents)
            for lang in language_rows
        },
        lambda queries, sample: (
            blended_similarity(queries, matrix[sample], sample, sentences).blended
        ),
        lambda queries, rows, k: _nearest(matrix, queries, rows, k),
        on_total,
        on_progress,
    )

    with (folder / DOCUMENTS).open("w", encoding="utf-8") as fh:
        for doc in documents:
            fh.write(json.dumps(doc.to_dict(), ensure_ascii=False) + "\n")

    manifest = {
        "format": FORMAT_VERSION,
        "model": model,
        "dim": dim,
        "count": len(passages),
        "sentences": len(starts),
        "index_type": index_kind(index),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "calibration": calibration.to_dict(),
        "rules": BUILD_RULES,
        "documents": {
            d.id: {
                "hash": d.content_hash,
                "embedding_key": keys[d.id],
                "path": d.path,
                "passages": len(d.passages),
            }
            for d in documents
        },
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8")
