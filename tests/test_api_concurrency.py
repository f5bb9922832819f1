"""Simultaneous requests are safe: the same answers as one at a time, and no failures."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

QUESTIONS = [
    "why does China need Russia?",
    "لماذا تحتاج الصين إلى روسيا؟",
    "who wrote this article?",
    "why must widgets escape quoted text?",
]
CONCURRENCY = 16


@pytest.fixture(params=[1, 32], ids=["locked", "batched"])
def uncached_client(request, make_client, make_service) -> TestClient:
    # No answer cache, so every request really reaches the embedding engine; both the
    # plain lock (batch size 1) and the micro-batcher are exercised.
    return make_client(service=make_service(cache_size=0, batch_max_size=request.param))


def answer(client: TestClient, question: str) -> dict:
    response = client.post("/ask", json={"question": question, "top_k": 5})
    assert response.status_code == 200, response.text
    # took_ms varies, and every answer gets its own id (the feedback handle).
    return {k: v for k, v in response.json().items() if k not in ("took_ms", "id")}


def test_concurrent_requests_match_sequential_ones(uncached_client: TestClient) -> None:
    expected = {q: answer(uncached_client, q) for q in QUESTIONS}
    jobs = [QUESTIONS[i % len(QUESTIONS)] for i in range(CONCURRENCY)]
    start = threading.Barrier(CONCURRENCY)

    def run(question: str) -> dict:
        start.wait(timeout=30)  # release all requests at once
        return answer(uncached_client, question)

    with ThreadPoolExecutor(CONCURRENCY) as pool:
        results = list(pool.map(run, jobs))
    for question, result in zip(jobs, results, strict=True):
        assert result == expected[question]


def test_health_answers_while_asks_are_in_flight(uncached_client: TestClient) -> None:
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        asks = [pool.submit(answer, uncached_client, q) for q in QUESTIONS * 4]
        health = uncached_client.get("/health")
        assert health.status_code == 200
        assert all(f.result(timeout=120) for f in asks)
