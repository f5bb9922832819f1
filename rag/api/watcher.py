"""The serving process's index watcher: follow CURRENT, and hold a lease on what it serves.

Every `RAG_INDEX_POLL_SECONDS` (when set) it reads CURRENT, a few bytes, and
reloads when it names a new generation: replicas on one shared index folder
all move to a rebuild without being told. Each tick also refreshes this
replica's lease (rag/index/leases.py), so no builder deletes the generation
it serves; on shutdown the lease is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator

from fastapi.concurrency import run_in_threadpool

from rag.errors import RagError
from rag.index import leases
from rag.service import QAService

logger = logging.getLogger("rag.api")


class _Lease:
    """This replica's lease. Cancelling the watcher does not stop a hold already
    running in a worker thread, so hold and release share a lock, and nothing is
    held once released: a late hold can no longer outlive the process."""

    def __init__(self, service: QAService) -> None:
        self.service = service
        self.holder = leases.holder_name()
        self._lock = threading.Lock()
        self._released = False

    def hold(self) -> None:
        with self._lock:
            generation = self.service.health().index
            if not self._released and generation is not None:
                leases.hold(self.service.store.root, generation, self.holder)

    def release(self) -> None:
        with self._lock:
            self._released = True
            leases.release(self.service.store.root, self.holder)


async def _tick(service: QAService, lease: _Lease, poll: bool) -> None:
    if poll:
        try:
            generation = await run_in_threadpool(service.reload_if_changed)
        except RagError as exc:
            logger.warning("CURRENT changed but the new index failed to load: %s", exc)
        else:
            if generation is not None:
                logger.info("CURRENT changed: now serving index %s", generation)
    try:
        await run_in_threadpool(lease.hold)
    except OSError as exc:  # a read-only or vanished index folder must not stop serving
        logger.warning("cannot write the index lease in %s: %s", service.store.root, exc)


@contextlib.asynccontextmanager
async def watch_index(service: QAService, poll_seconds: float) -> AsyncIterator[None]:
    """Run the watcher while the block runs."""
    lease = _Lease(service)
    poll = poll_seconds > 0
    interval = min(poll_seconds, leases.LEASE_REFRESH_S) if poll else leases.LEASE_REFRESH_S

    async def run() -> None:
        while True:
            await _tick(service, lease, poll)
            await asyncio.sleep(interval)

    task = asyncio.create_task(run())
    try:
        yield
    finally:
        # Release first: a tick may be inside a reload, which a cancel cannot
        # interrupt (worker threads run to the end), and shutdown must not wait
        # for it to drop the lease; `_released` keeps that tick from re-taking it.
        with contextlib.suppress(OSError):
            await run_in_threadpool(lease.release)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
