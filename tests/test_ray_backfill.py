"""`rag index --ray`: a backfill on a local Ray head writes the generation a local build writes."""

from __future__ import annotations

import functools
import os
import shutil
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import ray
from helpers import ROOT, TESTS, HashEmbedder, real_embedder, write_seeds

from rag.config import DEFAULT_MODEL
from rag.errors import RagError
from rag.index.builder import build_index
from rag.index.ray_backfill import RayBackfill
from rag.index.store import IndexStore
from rag.index.vectors import all_vectors

ARCHIVE = ROOT / "eval" / "archive" / "seeds"
# A slice of the dev archive: Arabic Wikipedia, and XQuAD in both languages.
SLICE = ("arcd-train-000.ar.md", "arcd-train-046.ar.md", "xquad-13.en.md")


class RecordingEmbedder(HashEmbedder):
    """A slow fake that appends its process id to `marker` at every call."""

    def _embed(self, texts: list[str]) -> np.ndarray:
        with open(self.marker, "a") as fh:
            fh.write(f"{os.getpid()}\n")
        return super()._embed(texts)  # then sleeps `delay`


class BrokenEmbedder(HashEmbedder):
    def embed_passages(self, texts: list[str]) -> np.ndarray:
        raise RuntimeError("the model broke")


@pytest.fixture(scope="module")
def ray_head():
    """A local Ray head on 127.0.0.1 with 2 CPUs, its workers able to import tests/."""
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        _node_ip_address="127.0.0.1",
        log_to_driver=False,
        runtime_env={"env_vars": {"PYTHONPATH": str(TESTS)}},
    )
    yield
    ray.shutdown()


def assert_same_generation(a: Path, b: Path) -> None:
    one, two = IndexStore(a).load(), IndexStore(b).load()
    assert one.passages == two.passages
    assert [p.id for p in one.passages] == [p.id for p in two.passages]
    assert one.documents == two.documents
    np.testing.assert_allclose(all_vectors(one.vectors), all_vectors(two.vectors), atol=1e-5)
    for name in ("passage_rows", "starts", "ends"):
        np.testing.assert_array_equal(getattr(one.sentences, name), getattr(two.sentences, name))
    np.testing.assert_allclose(
        one.sentences.vectors.astype(np.float32),
        two.sentences.vectors.astype(np.float32),
        atol=1e-3,
    )
    timings = ("created",)
    assert {k: v for k, v in one.manifest.items() if k not in timings} == {
        k: v for k, v in two.manifest.items() if k not in timings
    }


@pytest.mark.e2e
def test_archive_slice_on_ray_equals_a_local_build(ray_head, tmp_path: Path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for name in SLICE:
        shutil.copy(ARCHIVE / name, seeds / name)
    embedder = real_embedder()
    build_index(seeds, IndexStore(tmp_path / "local"), embedder)
    report = build_index(
        seeds,
        IndexStore(tmp_path / "ray"),
        embedder,
        prepare_documents=RayBackfill("unused", DEFAULT_MODEL, workers=2, docs_per_task=1),
    )
    assert sorted(report.embedded) == sorted(Path(n).stem.split(".")[0] for n in SLICE)
    assert_same_generation(tmp_path / "local", tmp_path / "ray")


def test_a_killed_worker_is_retried_and_the_generation_is_complete(ray_head, tmp_path: Path):
    seeds = write_seeds(tmp_path / "seeds")
    marker = tmp_path / "pids"
    factory = functools.partial(RecordingEmbedder, delay=1.5, marker=str(marker))
    backfill = RayBackfill("unused", "fake-hash", workers=1, docs_per_task=1, factory=factory)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            build_index(
                seeds, IndexStore(tmp_path / "ray"), HashEmbedder(), prepare_documents=backfill
            )
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 180
    while not (marker.exists() and marker.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.1)
    victim = int(marker.read_text().split()[0])
    os.kill(victim, signal.SIGKILL)  # mid-batch: the worker is sleeping inside its model call
    thread.join(timeout=300)
    assert not thread.is_alive() and not errors, errors
    pids = set(marker.read_text().split())
    assert len(pids) >= 2 and str(victim) in pids  # a second worker took the batch again
    build_index(seeds, IndexStore(tmp_path / "local"), HashEmbedder())
    assert_same_generation(tmp_path / "local", tmp_path / "ray")


def test_a_failed_backfill_leaves_the_current_index_serving(ray_head, tmp_path: Path):
    seeds = write_seeds(tmp_path / "seeds", arabic=False)
    store = IndexStore(tmp_path / "index")
    first = build_index(seeds, store, HashEmbedder())
    (seeds / "extra.en.txt").write_text("A new article.\n\nIt has one paragraph of text.\n")
    broken = RayBackfill("unused", "fake-hash", workers=1, factory=BrokenEmbedder)
    with pytest.raises(RagError, match="current index is unchanged"):
        build_index(seeds, store, HashEmbedder(), prepare_documents=broken)
    assert store.current_path().name == first.generation
    assert store.load().manifest["count"] == first.passages
