"""Any sentence-transformers model, by hub name or local path, loaded offline."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import numpy as np

from rag.errors import ModelLoadError

# Model families trained with asymmetric prompts. Without them retrieval quality
# drops sharply, so apply them when the model's own config does not declare any.
_FAMILY_PROMPTS: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(r"(^|[/_-])(m?e5|multilingual-e5)([/_-]|$)", re.I), "query: ", "passage: "),
    (
        re.compile(r"bge-[a-z]+-en", re.I),
        "Represent this sentence for searching relevant passages: ",
        "",
    ),
    (re.compile(r"nomic-embed", re.I), "search_query: ", "search_document: "),
]


def family_prompts(name: str) -> tuple[str, str]:
    """(query prefix, passage prefix) for a model name or path; empty if none."""
    for pattern, query, passage in _FAMILY_PROMPTS:
        if pattern.search(name):
            return query, passage
    return "", ""


class SentenceTransformerEmbedder:
    def __init__(self, name: str) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ModelLoadError(
                f"model {name!r} needs sentence-transformers; install it with "
                "`pip install 'rag[st]'` (torch is pinned to the CPU build there)"
            ) from exc
        name = str(name)
        self.name = name
        try:
            # Never reach for a hub at run time: this service runs offline.
            self._model = SentenceTransformer(name, device="cpu", local_files_only=True)
        except Exception as exc:  # noqa: BLE001 - many loader errors, one actionable message
            where = (
                "the path does not hold a model"
                if Path(name).exists()
                else "it is not available offline"
            )
            raise ModelLoadError(
                f"cannot load embedding model {name!r}: {where}. Download it on a connected "
                "machine and set RAG_MODEL (or --model) to its local folder, or use the bundled "
                f"default 'multilingual-e5-small'. ({type(exc).__name__})"
            ) from exc
        # sentence-transformers >= 5 renamed the method; the old name warns, then goes.
        dimension = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        self.dim = int(dimension())
        declared = getattr(self._model, "prompts", None) or {}
        family_query, family_passage = family_prompts(name + " " + self._model_id())
        # sentence-transformers >= 5 fills in {"query": "", "document": ""} when a model
        # declares nothing, so an empty declared prompt means "none", not "no prefix".
        self._query_prefix = declared.get("query") or family_query
        self._passage_prefix = declared.get("passage") or declared.get("document") or family_passage
        self._lock = threading.Lock()

    def _model_id(self) -> str:
        card = getattr(self._model, "model_card_data", None)
        return str(getattr(card, "base_model", "") or "")

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode([self._query_prefix + t for t in texts])

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode([self._passage_prefix + t for t in texts])

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)
