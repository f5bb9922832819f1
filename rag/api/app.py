"""The application factory. Everything an app needs hangs off `app.state`; no globals.

The model and the index load in the lifespan startup, before the first request
is accepted. A missing or broken index does not stop the server: /health
reports why, /ask answers 503, and a reload (SIGHUP or POST /admin/reload)
brings it up once `rag index` has run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from starlette.middleware.cors import CORSMiddleware

from rag.api.asklog import question_log_lifespan
from rag.api.handlers import install_error_handlers
from rag.api.metrics import Metrics, metrics_router, metrics_server
from rag.api.middleware import (
    BodySizeLimitMiddleware,
    HeadAsGetMiddleware,
    InternalErrorMiddleware,
    SecurityHeadersMiddleware,
)
from rag.api.observe import ObserveMiddleware
from rag.api.ratelimit import RateLimiter
from rag.api.routes_ask import ask_router
from rag.api.routes_documents import router as documents_router
from rag.api.routes_feedback import feedback_router
from rag.api.routes_meta import router as meta_router
from rag.api.routes_report import report_router
from rag.api.routes_static import STATIC_DIR, StaticAssets, docs_router, static_router
from rag.api.routes_updates import router as updates_router
from rag.api.watcher import watch_index
from rag.config import Settings
from rag.errors import RagError
from rag.service import QAService

logger = logging.getLogger("rag.api")

DESCRIPTION = """\
Ask questions in Arabic or English about the indexed news articles. Every
answer quotes its sources verbatim, with exact citations: `source[start:end]`
of `GET /documents/{id}` is the quoted text.
"""


def create_app(
    settings: Settings | None = None,
    service: QAService | None = None,
    static_dir: Path | None = None,
) -> FastAPI:
    """Build the app. Pass `service` to share an already loaded model (tests do)."""
    settings = settings or Settings()
    app = FastAPI(
        title="Article Q&A",
        description=DESCRIPTION,
        version="0.1.0",
        lifespan=_lifespan,
        docs_url=None,  # served by docs_router, with its own CSP
        redoc_url=None,
        # No trailing-slash redirects: Starlette builds them from the *decoded* path and
        # the client's Host header, so `/documents/%2E%2E%2F` would redirect to
        # `/documents/..` (which a client resolves to `/`) and `x%2F` to `x`. Every route
        # has one spelling; anything else is a plain 404.
        redirect_slashes=False,
    )
    app.state.settings = settings
    app.state.service = service
    app.state.limiter = RateLimiter(settings.rate_limit, settings.rate_limit_storage)
    app.state.metrics = Metrics(app) if settings.metrics != "off" else None
    app.state.question_log = None  # opened by the lifespan

    install_error_handlers(app)
    app.include_router(ask_router(settings))
    app.include_router(documents_router)
    app.include_router(updates_router)
    app.include_router(meta_router)
    app.include_router(feedback_router(settings))
    app.include_router(report_router)
    app.include_router(metrics_router(settings))
    app.include_router(static_router(StaticAssets.load(static_dir or STATIC_DIR)))
    app.include_router(docs_router(app))

    # Added innermost first: CORS ends up outermost but for HEAD handling, so every
    # answer, even a 413 or a 500, carries the CORS and security headers a browser
    # needs to read it.
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        document_max_bytes=settings.max_document_bytes if settings.admin_key else None,
    )
    app.add_middleware(InternalErrorMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    if settings.cors_origins:
        # Without an allowlist there is no CORS middleware at all, so no response ever
        # carries Access-Control-Allow-Origin: browsers allow same-origin pages only.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=False,  # the API uses no cookies; never `*` with credentials
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "X-API-Key", "X-Request-ID"],
            expose_headers=["Retry-After", "X-Request-ID"],
            max_age=600,
        )
    # Inside HeadAsGet, which hands on a copy of the scope: the router's route lands here.
    app.add_middleware(
        ObserveMiddleware, metrics=app.state.metrics, json_logs=settings.log_format == "json"
    )
    app.add_middleware(HeadAsGetMiddleware)
    return app


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    owned = app.state.service is None
    if owned:
        # Loading the model is slow, blocking work: keep it off the event loop.
        app.state.service = await run_in_threadpool(QAService, settings)
    service: QAService = app.state.service
    if not service.ready:
        await run_in_threadpool(service.load, False)
    health = service.health()
    if health.status == "ok":
        logger.info(
            "serving %d passages from %d documents, index %s, model %s",
            health.passages,
            health.documents,
            health.index,
            health.model,
        )
    else:
        logger.warning("no usable index, /ask will answer 503: %s", health.detail)
    try:
        with question_log_lifespan(app), metrics_server(app), _reload_on_sighup(service):
            async with watch_index(service, settings.index_poll_seconds):
                yield
    finally:
        # A service passed in by the caller (tests share one) is the caller's to close.
        if owned:
            service.close()
            # A later startup of this app (an ASGI server may run the lifespan again)
            # must build a new service, not pick up the closed one.
            app.state.service = None


@contextlib.contextmanager
def _reload_on_sighup(service: QAService) -> Iterator[None]:
    """`kill -HUP <pid>` swaps to the index on disk, as nginx reloads its config."""
    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[None]] = set()

    def on_signal() -> None:
        task = loop.create_task(_reload(service))
        tasks.add(task)  # a reference, so the task is not garbage-collected mid-run
        task.add_done_callback(tasks.discard)

    try:
        loop.add_signal_handler(signal.SIGHUP, on_signal)
    except (ValueError, RuntimeError, NotImplementedError, AttributeError):
        # Not the main thread (TestClient), or no SIGHUP on this platform.
        yield
        return
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGHUP)


async def _reload(service: QAService) -> None:
    try:
        generation = await run_in_threadpool(service.reload)
    except RagError as exc:
        logger.warning("SIGHUP reload failed, the previous index keeps serving: %s", exc)
    else:
        logger.info("SIGHUP reload: now serving index %s", generation)
