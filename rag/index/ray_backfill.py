"""Distributed backfill: embed the seed documents on a Ray cluster with Ray Data.

Only the expensive part leaves the driver. The driver parses (rag.ingest:
300 pages take about a second of CPU, docs/ingestion.md, against minutes of
embedding), so every node uses the same parser and the seeds need not be on
a shared volume. Each row of the dataset is one whole parsed document (and
its entry in the current manifest), so a
document is never split across workers; a pool of actors, one model each,
runs `rag.index.embedding.prepare` over batches of rows: the same function a
local build calls, so both produce the same passages and vectors by
construction. The driver gathers the results and `rag.index.builder` writes
the generation exactly as it does locally (term table, calibration, manifest,
atomic CURRENT switch). A run that fails raises before any generation is
written, so the current index keeps serving.

Faults: Ray Data creates the actors with unlimited restarts and task retries, so
a worker process killed mid-run is restarted and its batch is run again.
A batch that raises (a bad document, a broken model) is not retried: the run
fails with Ray's error.

Workers must be able to import this package and load the model: install the
same `rag` on every node (`pip install 'rag[ray]'`).
"""

from __future__ import annotations

import functools
import json
import math
import pickle
from collections.abc import Callable
from typing import Any

from rag.documents import Document
from rag.embeddings import Embedder, load_embedder
from rag.errors import RagError
from rag.index.embedding import EMBED_BATCH, Prepared, prepare

# Documents per batch a worker takes at a time: small enough that a killed
# worker loses little, large enough that the model sees full batches.
DOCS_PER_TASK = 8

EmbedderFactory = Callable[[], Embedder]


def _ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError as exc:
        raise RagError(
            f"`rag index --ray` needs Ray Data ({exc}); install it with `pip install 'rag[ray]'`"
        ) from exc
    return ray


class _Worker:
    """One Ray actor: loads the model once, then prepares batches of documents."""

    def __init__(self, factory: EmbedderFactory, mode: str, batch: int) -> None:
        self._embedder = factory()
        self._mode = mode
        self._batch = batch

    def __call__(self, rows: dict[str, Any]) -> dict[str, list[bytes]]:
        documents = [pickle.loads(bytes(blob)) for blob in rows["document"]]
        previous = {}
        for path_entry in rows["entry"]:
            entry = json.loads(str(path_entry))
            if entry:
                previous[entry["id"]] = entry
        prepared = prepare(documents, previous, self._embedder, self._mode, self._batch)
        # Pickled: the documents' spans and the float32 vectors cross back unchanged.
        return {"prepared": [pickle.dumps(p, protocol=pickle.HIGHEST_PROTOCOL) for p in prepared]}


class RayBackfill:
    """A `rag.index.builder.Prepare` that runs on a Ray cluster.

    `address` is a cluster address (`ray://host:10001`, `host:6379`, `auto`) or
    `local`, which starts a Ray on this machine for the run. `workers` is the
    number of actors (0: one per CPU of the cluster).
    """

    def __init__(
        self,
        address: str,
        model: str,
        mode: str = "full",
        workers: int = 0,
        docs_per_task: int = DOCS_PER_TASK,
        batch: int = EMBED_BATCH,
        factory: EmbedderFactory | None = None,
    ) -> None:
        self.address = address
        self.mode = mode
        self.workers = workers
        self.docs_per_task = docs_per_task
        self.batch = batch
        self.factory = factory or functools.partial(load_embedder, model)

    def __call__(
        self,
        documents: list[Document],
        previous: dict[str, dict],
        *,
        on_total: Callable[[int], None] | None = None,
        on_progress: Callable[[int], None] | None = None,
    ) -> list[Prepared]:
        ray = _ray()
        started_here = not ray.is_initialized()
        if started_here:
            _connect(ray, self.address)
        try:
            workers = self.workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
            rows = [
                {
                    # Parsed on the driver (cheap next to embedding, docs/ingestion.md), so
                    # workers need no access to the seed files and use the same parser.
                    "document": pickle.dumps(doc, protocol=pickle.HIGHEST_PROTOCOL),
                    "entry": json.dumps(
                        {**previous[doc.id], "id": doc.id} if doc.id in previous else {}
                    ),
                }
                for doc in documents
            ]
            if on_total:
                on_total(len(rows))  # progress counts documents here
            dataset = ray.data.from_items(
                rows, override_num_blocks=max(1, math.ceil(len(rows) / self.docs_per_task))
            ).map_batches(
                _Worker,
                fn_constructor_kwargs={
                    "factory": self.factory,
                    "mode": self.mode,
                    "batch": self.batch,
                },
                batch_size=self.docs_per_task,
                batch_format="numpy",
                compute=ray.data.ActorPoolStrategy(size=min(workers, len(rows))),
                # Ray Data creates these actors with unlimited restarts and task retries
                # (max_restarts=-1, max_task_retries=-1): a killed actor is restarted and
                # its unfinished batch retried. Passing them explicitly is deprecated since
                # 2.60; tests/test_ray_backfill.py kills a worker to hold Ray to it.
                num_cpus=1,
            )
            prepared: list[Prepared] = []
            for batch in dataset.iter_batches(batch_size=None, batch_format="numpy"):
                items = [pickle.loads(blob) for blob in batch["prepared"]]
                prepared.extend(items)
                if on_progress:
                    on_progress(len(items))
        except RagError:
            raise
        except Exception as exc:  # Ray wraps worker failures in its own exception types
            raise RagError(
                f"the Ray backfill failed, the current index is unchanged: {exc}"
            ) from exc
        finally:
            if started_here:
                ray.shutdown()
        _check_complete(documents, prepared)
        return prepared


def _connect(ray: Any, address: str) -> None:
    try:
        if address == "local":
            # A throwaway single-node cluster for this run, reachable only from here.
            ray.init(include_dashboard=False, _node_ip_address="127.0.0.1", log_to_driver=False)
        else:
            ray.init(address=address, log_to_driver=False)
    except Exception as exc:  # ConnectionError, RuntimeError, ValueError by Ray version
        raise RagError(
            f"cannot reach the Ray cluster at {address!r} ({exc}); start one with "
            "`ray start --head` or pass --ray local"
        ) from exc


def _check_complete(documents: list[Document], prepared: list[Prepared]) -> None:
    """Every document back exactly once: a retried batch must not add a second copy."""
    expected = sorted(doc.id for doc in documents)
    got = sorted(p.document.id for p in prepared)
    if got != expected:
        raise RagError(
            f"the Ray backfill returned {len(got)} documents for {len(expected)} sent; "
            "the current index is unchanged"
        )
