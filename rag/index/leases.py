"""Leases: a serving replica marks the generation it serves, so no builder deletes it.

    index/.leases/gen-20261202T031500-1a2b/<host>-<pid>   (touched while served)

Several replicas serve one shared index folder, and each moves to a new
generation at its own moment (a poll, a SIGHUP, the admin endpoint). A build
keeps the generation it replaces and every generation with a fresh lease; a
lease is fresh while its file was touched less than `LEASE_TTL_S` ago.
Replicas touch theirs well within that, so a replica that died stops
protecting its generation after at most `LEASE_TTL_S`. The age is judged by
the file's own mtime against the builder's clock: on a shared volume keep the
machines' clocks within a few minutes of each other (NTP), far below the TTL.
"""

from __future__ import annotations

import os
import shutil
import socket
import time
from pathlib import Path

LEASES = ".leases"
LEASE_TTL_S = 900.0
# How often a replica touches its lease: a third of the TTL leaves two misses spare.
LEASE_REFRESH_S = LEASE_TTL_S / 3


def holder_name() -> str:
    """This process on this machine: one lease file per replica."""
    return f"{socket.gethostname()}-{os.getpid()}"


def hold(root: Path, generation: str, holder: str) -> None:
    """Take or refresh `holder`'s lease on `generation`, and drop its leases on any other."""
    folder = Path(root) / LEASES / generation
    folder.mkdir(parents=True, exist_ok=True)
    (folder / holder).touch()
    for other in (Path(root) / LEASES).iterdir():
        if other.name != generation:
            try:
                (other / holder).unlink(missing_ok=True)
            except OSError:
                continue  # a builder pruned the folder meanwhile


def release(root: Path, holder: str) -> None:
    """Drop every lease of `holder` (a replica shutting down)."""
    leases = Path(root) / LEASES
    if leases.is_dir():
        for folder in leases.iterdir():
            (folder / holder).unlink(missing_ok=True)


def leased(root: Path, ttl: float = LEASE_TTL_S) -> set[str]:
    """Generations some replica served within the last `ttl` seconds."""
    leases = Path(root) / LEASES
    if not leases.is_dir():
        return set()
    now = time.time()
    fresh = set()
    for folder in leases.iterdir():
        try:
            holders = list(folder.iterdir())
        except OSError:
            continue
        for lease in holders:
            try:
                age = now - lease.stat().st_mtime
            except OSError:
                continue  # released while we looked
            if age < ttl:
                fresh.add(folder.name)
                break
    return fresh


def prune(root: Path, generations: set[str], ttl: float = LEASE_TTL_S) -> None:
    """Remove stale lease files, and the lease folders of generations that are gone."""
    leases = Path(root) / LEASES
    if not leases.is_dir():
        return
    now = time.time()
    for folder in leases.iterdir():
        if folder.name not in generations:
            shutil.rmtree(folder, ignore_errors=True)
            continue
        for lease in folder.iterdir():
            try:
                if now - lease.stat().st_mtime >= ttl:
                    lease.unlink(missing_ok=True)
            except OSError:
                continue
