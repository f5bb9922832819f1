"""The core facade. The CLI and the HTTP API are thin layers over `QAService`.

The loaded index and its retriever live in one immutable `_Snapshot`. A reload
builds a new snapshot aside and swaps the reference in one assignment, so a
request that already holds the old snapshot finishes on it, and no request
ever sees half of each.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rag.cache import LRUCache, normalise_question
from rag.config import Settings
from rag.documents import Document
from rag.embeddings import Embedder, canonical_model_name, load_embedder
from rag.embeddings.batching import MicroBatcher
from rag.errors import DocumentNotFoundError, IndexMissingError, RagError
from rag.index.store import IndexStore, LoadedIndex

if TYPE_CHECKING:
    from rag.index.update import UpdateReport
from rag.query.analyse import analyse
from rag.query.decide import decide
from rag.query.distinct import distinct
from rag.query.embed import QueryEmbedder
from rag.query.focus import FOCUS_CANDIDATES, focus
from rag.query.intents import QuestionIntents
from rag.query.present import present
from rag.query.retrieve import RetrievalConfig, Retriever
from rag.responses import AskResponse, DocumentSummary, Health
from rag.text.dictionary import load_dictionary
from rag.threads import openmp_wait, single_threaded_blas


@dataclass(frozen=True)
class ServiceStats:
    """Counters for GET /metrics, read at scrape time."""

    cache_hits: int
    cache_misses: int
    batches: int
    batched_questions: int
    reload_failures: int


@dataclass(frozen=True)
class _Snapshot:
    index: LoadedIndex
    retriever: Retriever


class QAService:
    def __init__(
        self,
        settings: Settings,
        embedder: Embedder | None = None,
        retrieval: RetrievalConfig | None = None,
    ) -> None:
        self.settings = settings
        # Per-request numpy work is tiny; BLAS threads would only wait for cores
        # the embedding engine is using (see rag/threads.py for the figures).
        single_threaded_blas()
        # Before the engine loads: its OpenMP threads must not spin long at barriers
        # while the event loop and request threads share the cores (rag/threads.py).
        openmp_wait()
        self.embedder = embedder or load_embedder(settings.model)
        self.model = canonical_model_name(self.embedder.name)
        self.store = IndexStore(settings.index_dir)
        self.retrieval = retrieval or RetrievalConfig()
        self.intents = QuestionIntents(self.embedder)
        self.dictionary = load_dictionary(settings.dictionary_dir, settings.cache_dir)
        self._snapshot: _Snapshot | None = None
        self._load_error: str | None = None
        self._failed_generation: str | None = None  # what CURRENT named when a poll failed
        self._reload_lock = threading.Lock()
        self.reload_failures = 0
        # Keyed by (index generation, normalised question, top_k, document, retrieval config).
        self._answers: LRUCache[AskResponse] = LRUCache(settings.cache_size)
        # batch_max_size 1 means plain locking: each question runs alone.
        self._batcher = (
            MicroBatcher(
                self.embedder.embed_queries, settings.batch_max_size, settings.batch_max_wait_ms
            )
            if settings.batch_max_size > 1
            else None
        )
        self.query_embedder = QueryEmbedder(self.embedder, self._batcher)
        self._query_memo: Embedder | None = None  # document updates' embedder, made on use

    # -- index lifecycle -------------------------------------------------------

    def load(self, strict: bool = True) -> None:
        """Load the current index. With `strict=False` a failure is kept for /health."""
        try:
            index = self.store.load(expected_model=self.model)
        except RagError as exc:
            self._load_error = str(exc)
            if strict:
                raise
            return
        self._snapshot = self._snapshot_of(index, self.retrieval)
        self._load_error = None

    def _snapshot_of(self, index: LoadedIndex, config: RetrievalConfig) -> _Snapshot:
        return _Snapshot(index, Retriever(index, config, self.dictionary))

    def reload(self) -> str:
        """Swap to the index generation on disk; on failure the old one keeps serving."""
        with self._reload_lock:
            try:
                index = self.store.load(expected_model=self.model)
            except RagError as exc:
                # Kept for /health (status stays "ok" while the old index serves).
                self._load_error = f"reload failed: {exc}"
                self.reload_failures += 1
                raise
            self._snapshot = self._snapshot_of(index, self.retrieval)
            self._load_error = None
            # Old keys can no longer match (the generation is in the key); this frees them.
            self._answers.clear()
            return index.generation

    def reload_if_changed(self) -> str | None:
        """Reload when CURRENT names another generation than the one served.

        The new generation, or None when nothing changed. A generation that
        failed to load is not retried until CURRENT changes again (the old one
        keeps serving, and /health says why).
        """
        try:
            name = self.store.current_name()
        except RagError as exc:
            # An unreadable CURRENT (an operator writing it in place): keep serving, say
            # why in /health, and look again on the next tick.
            self._load_error = f"reload failed: {exc}"
            return None
        snapshot = self._snapshot
        if name is None or name == self._failed_generation:
            return None
        if snapshot is not None and name == snapshot.index.generation:
            return None
        try:
            return self.reload()
        except RagError:
            self._failed_generation = name
            raise

    def use_retrieval(self, config: RetrievalConfig) -> None:
        """Switch the retrieval rule (the eval compares modes on one loaded index)."""
        self.retrieval = config
        snapshot = self._snapshot
        if snapshot is not None:
            self._snapshot = self._snapshot_of(snapshot.index, config)

    @property
    def ready(self) -> bool:
        return self._snapshot is not None

    def snapshot(self) -> _Snapshot:
        snapshot = self._snapshot
        if snapshot is None:
            raise IndexMissingError(self._load_error or "no index is loaded")
        return snapshot

    # -- questions -------------------------------------------------------------

    def ask(self, question: str, top_k: int = 3, document: str | None = None) -> AskResponse:
        """Answer `question`; with `document`, only from that document (the page's article)."""
        started = time.perf_counter()
        snapshot = self.snapshot()
        index = snapshot.index
        query = analyse(question, index.languages, self.settings.max_question_chars)
        if document is not None and document not in index.documents:
            raise DocumentNotFoundError(f"no document with id {document!r}")
        key = (
            index.generation,
            normalise_question(query.text),
            top_k,
            document,
            snapshot.retriever.config,
        )
        cached = self._answers.get(key)
        if cached is None:
            vectors = self.query_embedder.embed(query)
            retriever = snapshot.retriever
            pool = max(top_k, FOCUS_CANDIDATES)
            retrieval = retriever.retrieve(query, vectors, pool, document)
            retrieval = focus(retriever, query, retrieval, self.query_embedder.embed_text)
            retrieval = distinct(index, retrieval)
            decision = decide(
                index,
                vectors,
                retrieval,
                self.intents,
                document,
                query.language,
                self.settings.no_answer_percentile,
            )
            answer, passages = present(index, query, vectors, retrieval, decision, top_k)
            cached = AskResponse(
                question=query.text,
                language=query.language,
                answer=answer,
                passages=passages,
                took_ms=0.0,
            )
            self._answers.put(key, cached)
        took_ms = round((time.perf_counter() - started) * 1000, 2)
        return cached.model_copy(update={"question": query.text, "took_ms": took_ms})

    def stats(self) -> ServiceStats:
        batcher = self._batcher
        return ServiceStats(
            cache_hits=self._answers.hits,
            cache_misses=self._answers.misses,
            batches=batcher.batches if batcher else 0,
            batched_questions=batcher.items if batcher else 0,
            reload_failures=self.reload_failures,
        )

    def close(self) -> None:
        """Stop the embedding worker (the HTTP app calls this on shutdown)."""
        if self._batcher is not None:
            self._batcher.close()

    # -- documents -------------------------------------------------------------

    def documents(self) -> list[DocumentSummary]:
        index = self.snapshot().index
        return [
            DocumentSummary(
                id=d.id,
                title=d.title.text if d.title else None,
                author=d.author.text if d.author else None,
                language=d.language,
                paragraphs=len(d.passages),
                url=f"/documents/{d.id}",
            )
            for d in index.documents.values()
        ]

    def document(self, doc_id: str) -> Document:
        doc = self.snapshot().index.documents.get(doc_id)
        if doc is None:
            raise DocumentNotFoundError(f"no document with id {doc_id!r}")
        return doc

    # -- document updates (the CMS API; rag/index/update.py) -----------------------

    def put_document(
        self,
        doc_id: str,
        body: str,
        kind: str,
        url: str | None = None,
        title: str | None = None,
        published: str | None = None,
    ) -> UpdateReport:
        """Upsert one document, embedding only it, then serve the new generation.

        Raises UnreadableDocument or ValueError (a bad body or date) before
        anything is written.
        """
        from rag.index.update import upsert_document
        from rag.ingest import IngestLimits, parse_text

        limits = IngestLimits(self.settings.max_document_bytes, self.settings.max_document_chars)
        doc = parse_text(body, kind, doc_id, f"api:{doc_id}", url, title, published, limits)
        source = {"kind": kind, "body": body, "url": url, "title": title, "published": published}
        report = upsert_document(
            self.store,
            self._writer(),
            doc,
            source,
            self.settings.exact_search_limit,
            self.settings.passage_vectors,
        )
        self.reload()
        return report

    def delete_document(self, doc_id: str) -> UpdateReport:
        """Remove one document from the index, then serve the new generation."""
        from rag.index.update import delete_document

        report = delete_document(
            self.store,
            self._writer(),
            doc_id,
            self.settings.exact_search_limit,
            self.settings.passage_vectors,
        )
        self.reload()
        return report

    def _writer(self) -> Embedder:
        from rag.index.update import QueryMemo

        with self._reload_lock:
            if self._query_memo is None:
                self._query_memo = QueryMemo(self.embedder)
            return self._query_memo

    def health(self) -> Health:
        snapshot = self._snapshot
        if snapshot is None:
            return Health(
                status="unavailable",
                passages=0,
                documents=0,
                model=self.model,
                detail=self._load_error or "no index is loaded",
            )
        return Health(
            status="ok",
            passages=len(snapshot.index.passages),
            documents=len(snapshot.index.documents),
            model=self.model,
            index=snapshot.index.generation,
            detail=self._load_error,
        )
