"""OpenMP threads of a serving process sleep at barriers instead of spinning."""

from __future__ import annotations

from rag.threads import passive_openmp


def test_openmp_threads_sleep_at_barriers_by_default(monkeypatch) -> None:
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    assert passive_openmp() == "PASSIVE"


def test_an_operators_openmp_wait_policy_is_kept(monkeypatch) -> None:
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    assert passive_openmp() == "ACTIVE"
