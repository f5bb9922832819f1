"""GET /metrics: Prometheus metrics through prometheus-client, one registry per app.

Request counts and latencies are observed by `rag.api.observe`; answers are
counted by `rag.api.asklog`. Everything the service already counts (cache hits,
embedding batches, reloads, the index) is read at scrape time by a collector,
so the question path carries no metrics code.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Response

from rag.api.models import ErrorOut
from rag.api.security import ADMIN_KEY_REJECTED, require_admin_key
from rag.config import Settings

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def _prometheus() -> Any:
    try:
        import prometheus_client
    except ImportError as exc:  # pragma: no cover - a dependency
        raise RuntimeError("install prometheus-client to enable /metrics") from exc
    return prometheus_client


class Metrics:
    def __init__(self, app: FastAPI) -> None:
        prom = _prometheus()
        self.registry = prom.CollectorRegistry()
        labels = ["route", "method", "status"]
        self.requests = prom.Counter(
            "rag_http_requests", "HTTP requests answered.", labels, registry=self.registry
        )
        self.latency = prom.Histogram(
            "rag_http_request_duration_seconds",
            "Time to answer an HTTP request.",
            labels,
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.answers = prom.Counter(
            "rag_ask_answers",
            "/ask responses: `answered`, or `null` when nothing was a confident match.",
            ["outcome"],
            registry=self.registry,
        )
        self.registry.register(_ServiceCollector(app))

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route, method, str(status)).observe(seconds)

    def count_answer(self, answered: bool) -> None:
        self.answers.labels("answered" if answered else "null").inc()

    def render(self) -> tuple[bytes, str]:
        prom = _prometheus()
        return prom.generate_latest(self.registry), prom.CONTENT_TYPE_LATEST


class _ServiceCollector:
    """Reads the service's own counters when Prometheus scrapes."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def describe(self) -> list:
        return []  # no checks at registration: the service may not exist yet

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        service = getattr(self.app.state, "service", None)
        if service is None:
            return
        stats = service.stats()
        health = service.health()
        info = GaugeMetricFamily(
            "rag_index_generation", "The index generation serving (value 1).", labels=["generation"]
        )
        if health.index:
            info.add_metric([health.index], 1.0)
        yield info
        yield GaugeMetricFamily("rag_index_passages", "Passages in the index.", health.passages)
        yield GaugeMetricFamily("rag_index_documents", "Documents in the index.", health.documents)
        yield CounterMetricFamily(
            "rag_cache_hits", "Answers served from the cache.", stats.cache_hits
        )
        yield CounterMetricFamily(
            "rag_cache_misses", "Answers computed (not in the cache).", stats.cache_misses
        )
        yield CounterMetricFamily(
            "rag_embedding_batches", "Engine calls made by the question batcher.", stats.batches
        )
        yield CounterMetricFamily(
            "rag_embedding_batched_questions",
            "Questions embedded by the batcher; over rag_embedding_batches, the mean batch size.",
            stats.batched_questions,
        )
        yield CounterMetricFamily(
            "rag_reload_failures",
            "Index reloads that failed (the old index kept serving).",
            stats.reload_failures,
        )
        log = getattr(self.app.state, "question_log", None)
        if log is not None:
            status = log.status()
            yield CounterMetricFamily(
                "rag_question_log_written", "Question-log records written.", status.written
            )
            yield CounterMetricFamily(
                "rag_question_log_dropped", "Question-log records lost.", status.dropped
            )


def metrics_router(settings: Settings) -> APIRouter:
    """GET /metrics on the API, unless off or served on its own address."""
    router = APIRouter(tags=["meta"])
    if settings.metrics == "off" or settings.metrics_address:
        return router
    dependencies = [Depends(require_admin_key)] if settings.metrics == "admin" else []

    @router.get(
        "/metrics",
        dependencies=dependencies,
        response_class=Response,
        responses={
            200: {"content": {"text/plain": {}}, "description": "Prometheus text format"},
            **(
                {
                    403: ADMIN_KEY_REJECTED,
                    404: {"model": ErrorOut, "description": "RAG_ADMIN_KEY is not configured"},
                }
                if dependencies
                else {}
            ),
        },
    )
    async def metrics(request: Request) -> Response:
        """Prometheus metrics: requests, latencies, answers, cache, batches, index, reloads."""
        found: Metrics | None = getattr(request.app.state, "metrics", None)
        if found is None:  # pragma: no cover - create_app always makes one
            raise HTTPException(404, detail="Not Found")
        body, media_type = found.render()
        return Response(body, media_type=media_type)

    return router


@contextlib.contextmanager
def metrics_server(app: FastAPI) -> Iterator[None]:
    """With RAG_METRICS_ADDRESS, /metrics on its own address (keep it off the public one)."""
    settings: Settings = app.state.settings
    address = settings.metrics_address
    if not address or settings.metrics == "off":
        yield
        return
    host, _, port = address.rpartition(":")
    server, thread = _prometheus().start_http_server(
        int(port), addr=host or "127.0.0.1", registry=app.state.metrics.registry
    )
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
