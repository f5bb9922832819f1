"""Leases: a build never deletes a generation that a replica still serves."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from rag.index import leases
from rag.index.store import IndexStore


def write_generation(store: IndexStore) -> str:
    """A sealed generation with a placeholder file: enough for the store's bookkeeping."""
    with store.new_generation() as folder:
        (folder / "manifest.json").write_text(json.dumps({"format": 0}), encoding="utf-8")
        (folder / "data.bin").write_bytes(b"x")
    return store.current_name()


def generations(root: Path) -> set[str]:
    return {p.name for p in root.glob("gen-*")}


def test_without_leases_a_build_keeps_only_the_current_and_previous(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    first = write_generation(store)
    second = write_generation(store)
    third = write_generation(store)
    assert generations(tmp_path) == {second, third} and first not in generations(tmp_path)


def test_a_leased_generation_survives_later_builds(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    first = write_generation(store)
    leases.hold(tmp_path, first, "replica-1")
    write_generation(store)
    third = write_generation(store)
    assert first in generations(tmp_path) and third in generations(tmp_path)


def test_a_stale_lease_protects_nothing(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    first = write_generation(store)
    leases.hold(tmp_path, first, "dead-replica")
    old = time.time() - leases.LEASE_TTL_S - 60
    os.utime(tmp_path / leases.LEASES / first / "dead-replica", (old, old))
    write_generation(store)
    write_generation(store)
    assert first not in generations(tmp_path)
    assert not (tmp_path / leases.LEASES / first).exists()  # pruned with its generation


def test_holding_a_new_generation_drops_the_old_lease(tmp_path: Path) -> None:
    leases.hold(tmp_path, "gen-a", "replica-1")
    leases.hold(tmp_path, "gen-b", "replica-1")
    assert leases.leased(tmp_path) == {"gen-b"}


def test_a_released_replica_leases_nothing(tmp_path: Path) -> None:
    leases.hold(tmp_path, "gen-a", "replica-1")
    leases.hold(tmp_path, "gen-a", "replica-2")
    leases.release(tmp_path, "replica-1")
    assert leases.leased(tmp_path) == {"gen-a"}
    leases.release(tmp_path, "replica-2")
    assert leases.leased(tmp_path) == set()
