"""The API's side of the question log: an id for every answer, a record for the log.

The service answers; this module, called by the /ask routes after the answer is
built, stamps the response with its `id` and hands a record to the log's queue.
It never calls back into the question path and does no I/O itself.
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from collections.abc import Iterator

from fastapi import FastAPI, Request

from rag.api.security import client_ip
from rag.config import Settings
from rag.newsroom.records import AskRecord
from rag.newsroom.store import QuestionLog
from rag.responses import AskResponse, Health, Limits, QuestionLogHealth, RateLimitHealth
from rag.service import QAService

logger = logging.getLogger("rag.api")


def question_log_of(app: FastAPI) -> QuestionLog | None:
    return getattr(app.state, "question_log", None)


@contextlib.contextmanager
def question_log_lifespan(app: FastAPI) -> Iterator[None]:
    """Open (and migrate) the log on startup, drain and close it on shutdown."""
    settings: Settings = app.state.settings
    if not settings.question_log:
        app.state.question_log = None
        yield
        return
    log = QuestionLog(settings.data_dir, settings.log_retention_days)
    log.open()
    app.state.question_log = log
    try:
        yield
    finally:
        log.close()


def client_hash(request: Request, log: QuestionLog, settings: Settings) -> str:
    """The caller's salted daily hash; the address itself goes nowhere."""
    return log.hasher.hash(client_ip(request, settings.trust_proxy))


def issue(
    request: Request, service: QAService, response: AskResponse, document: str | None
) -> AskResponse:
    """`response` with its `id`, recorded in the question log when there is one."""
    answer_id = uuid.uuid4().hex
    response = response.model_copy(update={"id": answer_id})
    app = request.app
    metrics = getattr(app.state, "metrics", None)
    if metrics is not None:
        metrics.count_answer(response.answer is not None)
    log = question_log_of(app)
    if log is None:
        return response
    try:
        generation = service.snapshot().index.generation
    except Exception:  # reloaded away mid-request: the record just lacks it
        generation = None
    log.record(
        AskRecord.of(
            response,
            id=answer_id,
            asked_at=time.time(),
            document=document,
            generation=generation,
            client=client_hash(request, log, app.state.settings),
        )
    )
    return response


def log_health(app: FastAPI) -> QuestionLogHealth:
    log = question_log_of(app)
    if log is None:
        return QuestionLogHealth(status="off", pending=0, written=0, dropped=0)
    status = log.status()
    return QuestionLogHealth(
        status=status.status,
        pending=status.pending,
        written=status.written,
        dropped=status.dropped,
        detail=status.detail,
    )


def with_newsroom(report: Health, app: FastAPI) -> Health:
    """/health plus the limits the widget reads, the rate limit's and the question log's state."""
    settings: Settings = app.state.settings
    limits = Limits(max_question_chars=settings.max_question_chars, max_top_k=settings.max_top_k)
    limiter = app.state.limiter
    rate_limit = RateLimitHealth(
        per_minute=limiter.per_minute, storage=limiter.storage, shared=limiter.shared
    )
    return report.model_copy(
        update={"limits": limits, "rate_limit": rate_limit, "question_log": log_health(app)}
    )
