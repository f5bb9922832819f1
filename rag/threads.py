"""Threads in a process that answers questions: one BLAS thread, OpenMP threads that sleep.

Per request numpy multiplies only small matrices (a question's words against
the term table, a few sentence vectors against the question), while the
embedding engine already keeps every core busy with its own OpenMP threads.
Multi-threaded OpenBLAS then only adds wake-ups that wait for a free core:
on the 2-core bench machine a (5 x 384) @ (384 x 704) product took 26-32 ms
p50 with OpenBLAS's default two threads and 0.19 ms with one.

The embedding engine's OpenMP team (libgomp) spins at every barrier by
default: one forward pass has about a hundred parallel regions, and between
them each thread busy-waits for the other. That is fast only while each team
thread owns a core. On two cores any other runnable thread (the event loop
accepting and closing connections, a request thread, a neighbour process)
deschedules one team thread, and its partner then spins away the rest of its
time slice at the next barrier. Measured with `make bench`'s clients section
on the 2-core machine while other jobs kept it busy (load average 11-13;
the bench at nice -15), p50 of `QAService.ask` was 629 ms with the default
policy and 51 ms with OMP_WAIT_POLICY=PASSIVE (one OpenMP thread: 86 ms;
GOMP_SPINCOUNT=1000: 115 ms); over HTTP the server's own `took_ms` fell from
571 (keep-alive) and 648 (new connection) to 54 and 55 ms, client p50 57 ms
for both, 1.13x in-process. So a serving process makes its team threads
sleep at barriers.
libgomp reads the variable once, when the library loads: it must be set
before the engine (or FAISS) is first loaded, and an operator's own value wins.
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


def passive_openmp() -> str:
    """Make OpenMP threads loaded from now on sleep at barriers; the policy in force.

    Call it before the embedding engine loads. An OMP_WAIT_POLICY already set
    (by the operator) is kept.
    """
    policy = os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    if policy.upper() != "PASSIVE":
        logger.info("OMP_WAIT_POLICY=%s is kept (the operator set it)", policy)
    return policy
