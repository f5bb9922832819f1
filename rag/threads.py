"""One BLAS thread for numpy in a process that answers questions.

Per request numpy multiplies only small matrices (a question's words against
the term table, a few sentence vectors against the question), while the
embedding engine already keeps every core busy with its own OpenMP threads.
Multi-threaded OpenBLAS then only adds wake-ups that wait for a free core:
on the 2-core bench machine a (5 x 384) @ (384 x 704) product took 26-32 ms
p50 with OpenBLAS's default two threads and 0.19 ms with one.
"""

from __future__ import annotations

import ctypes
from pathlib import Path

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
