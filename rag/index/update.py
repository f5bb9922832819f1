"""Upsert or delete single documents: a new generation that embeds only them.

The CMS publishes, edits and deletes articles all day; rebuilding from the
seeds for each would re-read every file. An update takes the current
generation, swaps one document in or out, embeds only that document's
paragraphs and sentences (every other vector is copied from the current
generation), and writes a new generation through the builder's own writer
(`_write_generation`), so the term table and the calibration are refitted
exactly as `rag index` would fit them, and the result is the same index a
full rebuild would give.

The calibration re-embeds the background and level question pairs on each
write; `QueryMemo` keeps their vectors for the life of the process, so an
update embeds the article's texts and its new words, nothing else.

The source goes to `index/sources/` first (fsynced), then the generation,
both under the store lock: two concurrent PUTs queue and both land.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from rag.documents import Document
from rag.embeddings import Embedder, canonical_model_name
from rag.errors import DocumentNotFoundError, RagError
from rag.index.background import BACKGROUND_QUESTIONS, LEVEL_QUESTIONS
from rag.index.builder import _reusable, _write_generation, embedded_by_document
from rag.index.embedding import prepare
from rag.index.store import IndexStore
from rag.index.vectors import EXACT_SEARCH_LIMIT
from rag.ingest.sources import SourceStore


class EmptyIndexError(RagError):
    """Deleting the last document would leave an index of nothing."""


_CALIBRATION_QUESTIONS = frozenset(
    text for pair in (*BACKGROUND_QUESTIONS, *LEVEL_QUESTIONS) for text in pair
)


class QueryMemo:
    """An embedder that remembers the calibration's (background and level) question vectors."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self.name = embedder.name
        self.dim = embedder.dim
        self._memo: dict[str, np.ndarray] = {}

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._embedder.embed_passages(texts)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._memo]
        if missing:
            vectors = self._embedder.embed_queries(missing)
            for text, vector in zip(missing, vectors, strict=True):
                if text in _CALIBRATION_QUESTIONS:
                    self._memo[text] = vector
            fresh = dict(zip(missing, vectors, strict=True))
        else:
            fresh = {}
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return np.vstack([fresh[t] if t in fresh else self._memo[t] for t in texts])


@dataclass
class UpdateReport:
    generation: str = ""
    embedded: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    documents: int = 0
    passages: int = 0
    seconds: float = 0.0


def write_documents(
    store: IndexStore,
    embedder: Embedder,
    upserts: list[Document],
    deletes: list[str],
    exact_search_limit: int = EXACT_SEARCH_LIMIT,
    passage_vectors: str = "full",
) -> UpdateReport:
    """A new generation: the current one with `upserts` in and `deletes` out.

    The caller holds `store.lock()`. An unknown id in `deletes` is a
    DocumentNotFoundError and nothing is written.
    """
    started = time.perf_counter()
    model = canonical_model_name(embedder.name)
    previous = _reusable(store, model)
    current = dict(previous.documents) if previous else {}
    missing = [d for d in deletes if d not in current]
    if missing:
        raise DocumentNotFoundError(f"no document with id {missing[0]!r}")
    for doc_id in deletes:
        del current[doc_id]
    for doc in upserts:
        current[doc.id] = doc
    # The builder's order: grouped by language, so each language is one row range.
    documents = sorted(current.values(), key=lambda d: (d.language, d.id))
    if not any(d.passages for d in documents):
        raise EmptyIndexError("the index would hold no passage; it keeps at least one document")
    entries = previous.manifest["documents"] if previous else {}
    prepared = prepare(documents, entries, embedder, passage_vectors)
    keys = {item.document.id: item.key for item in prepared}
    embedded = embedded_by_document(prepared, previous)
    report = UpdateReport(
        removed=list(deletes),
        documents=len(documents),
        embedded=[item.document.id for item in prepared if item.embedded is not None],
    )
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
        )
        report.generation = folder.name.removeprefix(".tmp-")
    report.passages = sum(len(d.passages) for d in documents)
    report.seconds = time.perf_counter() - started
    return report


def upsert_document(
    store: IndexStore,
    embedder: Embedder,
    doc: Document,
    source: dict,
    exact_search_limit: int = EXACT_SEARCH_LIMIT,
    passage_vectors: str = "full",
) -> UpdateReport:
    """Keep `source` (SourceStore.save's fields) and index `doc`, durably."""
    with store.lock():
        SourceStore(store.root).save(doc.id, **source)
        return write_documents(store, embedder, [doc], [], exact_search_limit, passage_vectors)


def delete_document(
    store: IndexStore,
    embedder: Embedder,
    doc_id: str,
    exact_search_limit: int = EXACT_SEARCH_LIMIT,
    passage_vectors: str = "full",
) -> UpdateReport:
    with store.lock():
        previous = _reusable(store, canonical_model_name(embedder.name))
        if previous is None or doc_id not in previous.documents:
            raise DocumentNotFoundError(f"no document with id {doc_id!r}")
        SourceStore(store.root).delete(doc_id)
        return write_documents(store, embedder, [], [doc_id], exact_search_limit, passage_vectors)
