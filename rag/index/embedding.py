"""Documents to embedded passages: the one function a local build and a Ray worker both call.

Every passage needs two kinds of vectors: its own (retrieval) and one per
sentence (highlights, and the sentence blend in `rag.index.calibration`).
Embedding both costs each token twice, because a passage's sentences hold the
same tokens again. `PASSAGE_VECTORS` chooses how a passage vector is made:

* ``"pooled"``: only the sentences are embedded; a passage's vector
  is the mean of its sentences' vectors weighted by their length, renormalised.
  e5 mean-pools its tokens, so this is the passage's own mean pooling, save
  that each sentence's tokens attend within the sentence only (the engine
  treats texts over 512 tokens the same way, window by window).
* ``"full"`` (`rag index`'s default, `Settings.passage_vectors`): passages are
  embedded too (the model's own passage vectors). Pooled costs up to 4 points
  of hit@1 on the dev archive (README, "Archive eval, `full` against `pooled`").

Texts go to the model in batches across documents, longest first, so that a
batch holds texts of about one length (a padding backend such as
sentence-transformers wastes less), and a text that occurs twice (a passage
of one sentence, a repeated line) is embedded once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from rag.documents import Document, Passage
from rag.embeddings import Embedder
from rag.text.sentences import split_sentences

EMBED_BATCH = 32
PASSAGE_VECTORS = ("pooled", "full")

Progress = Callable[[int], None]


@dataclass
class EmbeddedDocument:
    """A document's vectors, in the order of its passages and their sentences."""

    passage_vectors: np.ndarray
    sentence_spans: list[tuple[int, int, int]]  # (passage index within doc, start, end)
    sentence_vectors: np.ndarray


def passage_embedding_text(doc: Document, passage: Passage) -> str:
    """What the model sees for a passage: the paragraph alone.

    Prefixing the title and section heading was measured (`rag eval`, dev and
    held-out sets): it helped some held-out questions and hurt as many dev
    ones, because every paragraph then shares the title's words and the
    vectors crowd together. The plain paragraph is the simpler of two equals.
    """
    return passage.text


def sentence_spans(passage: Passage) -> list[tuple[int, int]]:
    """Absolute (start, end) of each sentence of a passage."""
    return [(passage.start + s, passage.start + e) for s, e in split_sentences(passage.text)]


def embedding_key(doc: Document, mode: str = "pooled") -> str:
    """A hash of exactly what gets embedded for a document, where it sits, and how.

    The content hash alone is not enough to reuse vectors: when the parsing or
    sentence rules change, an unchanged file yields other passages, sections or
    sentence spans, and the old vectors would no longer line up with them.
    """
    items = [
        [passage_embedding_text(doc, p), p.start, p.end, sentence_spans(p)] for p in doc.passages
    ]
    payload = json.dumps([mode, items], ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(payload).hexdigest()


@dataclass
class Prepared:
    """A parsed document, the key of its vectors, and the vectors if they had to be made."""

    document: Document
    key: str
    embedded: EmbeddedDocument | None  # None: unchanged, reuse the current generation's


def is_unchanged(entry: dict | None, doc: Document, key: str) -> bool:
    """Whether the current generation's vectors for `doc` (its manifest entry) still fit."""
    if not entry:
        return False
    return entry.get("hash") == doc.content_hash and entry.get("embedding_key") == key


def prepare(
    documents: list[Document],
    previous: dict[str, dict],
    embedder: Embedder,
    mode: str = "pooled",
    batch: int = EMBED_BATCH,
    on_total: Callable[[int], None] | None = None,
    on_progress: Progress | None = None,
) -> list[Prepared]:
    """Embed each of `documents` whose entry in `previous` no longer fits."""
    keys = [embedding_key(d, mode) for d in documents]
    todo = [i for i, d in enumerate(documents) if not is_unchanged(previous.get(d.id), d, keys[i])]
    if on_total:
        on_total(texts_to_embed((documents[i] for i in todo), mode))
    made = embed_documents([documents[i] for i in todo], embedder, mode, batch, on_progress)
    embedded: dict[int, EmbeddedDocument] = dict(zip(todo, made, strict=True))
    return [Prepared(d, keys[i], embedded.get(i)) for i, d in enumerate(documents)]


def texts_to_embed(documents: Iterable[Document], mode: str = "pooled") -> int:
    """How many texts `embed_documents` sends to the model for these documents."""
    return len({t for doc in documents for t in _plan(doc, mode).texts})


def embed_documents(
    documents: list[Document],
    embedder: Embedder,
    mode: str = "pooled",
    batch: int = EMBED_BATCH,
    on_progress: Progress | None = None,
) -> list[EmbeddedDocument]:
    """Passage and sentence vectors of each document, from one stream of batches."""
    if mode not in PASSAGE_VECTORS:
        raise ValueError(f"passage vectors must be one of {PASSAGE_VECTORS}, not {mode!r}")
    plans = [_plan(doc, mode) for doc in documents]
    unique = list(dict.fromkeys(t for plan in plans for t in plan.texts))
    vectors = _embed_unique(unique, embedder, batch, on_progress)
    row = {text: i for i, text in enumerate(unique)}
    return [_assemble(plan, vectors, row, embedder.dim) for plan in plans]


@dataclass
class _Plan:
    texts: list[str]  # every text this document needs, passages' then sentences'
    passage_texts: list[str | None]  # None: pooled from the passage's sentences
    spans: list[tuple[int, int, int]]
    sentence_texts: list[str]


def _plan(doc: Document, mode: str) -> _Plan:
    spans = [(i, s, e) for i, p in enumerate(doc.passages) for s, e in sentence_spans(p)]
    sentence_texts = [doc.source[s:e] for _, s, e in spans]
    counted = {i for i, _, _ in spans}
    passage_texts: list[str | None] = [
        passage_embedding_text(doc, p) if mode == "full" or i not in counted else None
        for i, p in enumerate(doc.passages)
    ]
    texts = [t for t in passage_texts if t is not None] + sentence_texts
    return _Plan(texts, passage_texts, spans, sentence_texts)


def _embed_unique(
    texts: list[str], embedder: Embedder, batch: int, on_progress: Progress | None
) -> np.ndarray:
    out = np.zeros((len(texts), embedder.dim), np.float32)
    # Longest first: the first batch is the largest, so memory peaks early or not at all.
    order = sorted(range(len(texts)), key=lambda i: (-len(texts[i]), i))
    for lo in range(0, len(order), batch):
        rows = order[lo : lo + batch]
        out[rows] = embedder.embed_passages([texts[i] for i in rows])
        if on_progress:
            on_progress(len(rows))
    return out


def _assemble(plan: _Plan, vectors: np.ndarray, row: dict[str, int], dim: int) -> EmbeddedDocument:
    sentence_vectors = (
        vectors[[row[t] for t in plan.sentence_texts]]
        if plan.sentence_texts
        else np.zeros((0, dim), np.float32)
    )
    passage_vectors = np.zeros((len(plan.passage_texts), dim), np.float32)
    pooled = np.zeros_like(passage_vectors)
    for k, (i, _, _) in enumerate(plan.spans):
        pooled[i] += len(plan.sentence_texts[k]) * sentence_vectors[k]
    for i, text in enumerate(plan.passage_texts):
        if text is not None:
            passage_vectors[i] = vectors[row[text]]
        else:
            passage_vectors[i] = pooled[i] / max(float(np.linalg.norm(pooled[i])), 1e-12)
    return EmbeddedDocument(passage_vectors, plan.spans, sentence_vectors)
