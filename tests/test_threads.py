"""OpenMP threads of a serving process spin briefly at barriers, then sleep."""

from __future__ import annotations

import os

import pytest

from rag.threads import SPIN_COUNT, openmp_wait


@pytest.fixture
def environ(monkeypatch):
    for name in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_openmp_threads_spin_briefly_by_default(environ) -> None:
    assert openmp_wait() == f"GOMP_SPINCOUNT={SPIN_COUNT}"
    assert os.environ["GOMP_SPINCOUNT"] == SPIN_COUNT


@pytest.mark.parametrize(
    ("name", "value"), [("OMP_WAIT_POLICY", "PASSIVE"), ("GOMP_SPINCOUNT", "0")]
)
def test_an_operators_openmp_setting_is_kept(environ, name: str, value: str) -> None:
    environ.setenv(name, value)
    assert openmp_wait() == f"{name}={value}"
