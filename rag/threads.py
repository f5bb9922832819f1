"""Threads in a process that answers questions: one BLAS thread, OpenMP threads that spin briefly.

Per request numpy multiplies only small matrices (a question's words against
the term table, a few sentence vectors against the question), while the
embedding engine already keeps every core busy with its own OpenMP threads.
Multi-threaded OpenBLAS then only adds wake-ups that wait for a free core:
on the 2-core bench machine a (5 x 384) @ (384 x 704) product took 26-32 ms
p50 with OpenBLAS's default two threads and 0.19 ms with one.

The embedding engine's OpenMP team (libgomp) waits at every barrier: one
forward pass has about a hundred parallel regions. By default a waiting
thread spins 300,000 times before it sleeps, and with OMP_WAIT_POLICY=ACTIVE
practically for ever; that is fast only while each team thread owns a core.
On two cores any other runnable thread (the event loop, a request thread, a
neighbour process) deschedules one team thread, and its partner spins away
its time slice at the next barrier. Sleeping at once (PASSIVE) pays a futex
wake-up at every barrier instead. A short spin, then sleep, is best of both:
`GOMP_SPINCOUNT=10000` (tens of microseconds). p50 of `QAService.ask` and of
`/ask` over HTTP on the seed article, one client, 2-core machine:

| machine | PASSIVE: in process / keep-alive / new connection | spin 10,000 |
|---|---|---|
| quiet | 33.0 / 34.6 / 32.7 ms | 19.5 / 19.3 / 19.3 ms |
| 2 busy processes | 70.6 / 68.6 / 72.1 ms | 39.2 / 40.1 / 39.7 ms |
| 8 busy processes | 195 / 192 / 277 ms | 196 / 136 / 134 ms |

(An earlier run with the default spin and the bench at nice -15, with load
11-13, took 629 ms: a spinning thread at raised priority starves its partner.)
libgomp reads the variables once, when the library loads: they must be set
before the engine (or FAISS) is first loaded, so every place that loads the
engine calls `openmp_wait()` first, and an operator's own value wins.
"""

from __future__ import annotations

import ctypes
import logging
import os
from pathlib import Path

logger = logging.getLogger("rag")

_SETTERS = (
    "scipy_openblas_set_num_threads64_",
    "scipy_openblas_set_num_threads",
    "openblas_set_num_threads64_",
    "openblas_set_num_threads",
)


def single_threaded_blas() -> bool:
    """Limit every loaded BLAS library to one thread; False if none could be limited."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return _limit_openblas(1)
    # Called as a function (not a `with`), the limit stays for the process.
    threadpool_limits(limits=1, user_api="blas")
    return True


def _limit_openblas(threads: int) -> bool:
    """The same without threadpoolctl: find the loaded OpenBLAS and call its setter."""
    try:
        maps = Path("/proc/self/maps").read_text().splitlines()
    except OSError:
        return False
    paths = {line.split()[-1] for line in maps if "openblas" in line and ".so" in line}
    limited = False
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in _SETTERS:
            setter = getattr(lib, name, None)
            if setter is not None:
                setter(threads)
                limited = True
                break
    return limited


SPIN_COUNT = "10000"


def openmp_wait() -> str:
    """Make OpenMP threads loaded from now on spin briefly at barriers, then sleep.

    Call it before the embedding engine loads. An OMP_WAIT_POLICY or
    GOMP_SPINCOUNT already set (by the operator) is kept. Returns what is in force.
    """
    for name in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT"):
        if name in os.environ:
            logger.debug("%s=%s is kept (the operator set it)", name, os.environ[name])
            return f"{name}={os.environ[name]}"
    os.environ["GOMP_SPINCOUNT"] = SPIN_COUNT
    return f"GOMP_SPINCOUNT={SPIN_COUNT}"
