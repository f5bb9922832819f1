"""Every error leaves as JSON `{"detail": "..."}` with the right status, never a traceback."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from rag.embeddings.batching import BatcherClosedError, BatcherOverloadedError
from rag.errors import (
    DocumentNotFoundError,
    IndexCorruptError,
    IndexMissingError,
    ModelMismatchError,
    RagError,
)
from rag.query.analyse import InvalidQuestionError

logger = logging.getLogger("rag.api")

# How each pydantic error type reads after the field name.
_PHRASES = {
    "missing": "is required",
    "string_too_short": "is empty",
    "string_too_long": "is longer than {max_length} characters",
    "greater_than_equal": "must be at least {ge}",
    "less_than_equal": "must be at most {le}",
    "string_type": "must be a string",
    "string_unicode": "is not valid Unicode (it contains an unpaired surrogate)",
    "int_type": "must be an integer",
    "int_parsing": "must be an integer",
    "int_from_float": "must be an integer",
}
_BODY_SHAPE = (
    'send a JSON object such as {"question": "...", "top_k": 3} '
    "with the header content-type: application/json"
)
_SOURCES = {"body", "query", "path", "header", "cookie"}


def _field(loc: Iterable[Any]) -> str:
    return ".".join(str(part) for part in loc if part not in _SOURCES)


def _sentence(error: dict[str, Any]) -> str:
    field = _field(error.get("loc", ()))
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "json_invalid":
        return f"the body is not valid JSON ({ctx.get('error', 'decode error')})"
    if not field:
        # The body as a whole: absent, not an object, or not sent as JSON.
        return (
            f"the request body is {'missing' if kind == 'missing' else 'malformed'}: {_BODY_SHAPE}"
        )
    if kind.startswith("question_"):
        return f"{field} {error['msg']}"
    if kind in _PHRASES:
        try:
            return f"{field} {_PHRASES[kind].format(**ctx)}"
        except (KeyError, IndexError):
            pass
    return f"{field}: {error.get('msg', 'is invalid')}"


def validation_detail(errors: list[dict[str, Any]]) -> str:
    sentences = list(dict.fromkeys(_sentence(e) for e in errors))
    return "; ".join(sentences) or "the request is invalid"


def _issues(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # The offending input is not echoed back: it may be large, or hostile.
    return [
        {
            "loc": [p if isinstance(p, int) else str(p) for p in e.get("loc", ())],
            "type": str(e.get("type", "")),
            "msg": str(e.get("msg", "")),
        }
        for e in errors
    ]


async def on_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = list(exc.errors())
    return JSONResponse(
        {"detail": validation_detail(errors), "errors": _issues(errors)}, status_code=422
    )


async def on_http_error(request: Request, exc: HTTPException) -> JSONResponse:
    # FastAPI turns a body it cannot decode (invalid UTF-8, nesting too deep for the
    # JSON parser) into a bare 400; for the client it is malformed JSON like any other.
    cause = exc.__cause__
    if exc.status_code == 400 and isinstance(cause, ValueError | RecursionError):
        reason = "not UTF-8" if isinstance(cause, UnicodeDecodeError) else "not valid JSON"
        detail = f"the request body is {reason}: {_BODY_SHAPE}"
        return JSONResponse({"detail": detail, "errors": []}, status_code=422)
    return JSONResponse(
        {"detail": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers
    )


async def on_index_unavailable(request: Request, exc: RagError) -> JSONResponse:
    return JSONResponse(
        {"detail": f"the index is not available: {exc}"},
        status_code=503,
        headers={"Retry-After": "30"},
    )


async def on_overloaded(request: Request, exc: RagError) -> JSONResponse:
    # Too many questions already queued for the engine (or it is shutting down):
    # a temporary condition of the server, not a fault, so clients should retry.
    return JSONResponse(
        {"detail": f"the server is busy: {exc}; retry shortly"},
        status_code=503,
        headers={"Retry-After": "1"},
    )


async def on_invalid_question(request: Request, exc: InvalidQuestionError) -> JSONResponse:
    # The route's validation runs the same gate first; this covers any other way in.
    return JSONResponse({"detail": str(exc), "errors": []}, status_code=422)


async def on_document_not_found(request: Request, exc: DocumentNotFoundError) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=404)


async def on_rag_error(request: Request, exc: RagError) -> JSONResponse:
    # A core error that no client input explains: a server fault, logged for the operator.
    logger.error("%s %s failed: %s", request.method, request.url.path, exc)
    return JSONResponse({"detail": "internal error; the server log has the cause"}, 500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(HTTPException, on_http_error)
    for unavailable in (IndexMissingError, IndexCorruptError, ModelMismatchError):
        app.add_exception_handler(unavailable, on_index_unavailable)
    for busy in (BatcherOverloadedError, BatcherClosedError):
        app.add_exception_handler(busy, on_overloaded)
    app.add_exception_handler(DocumentNotFoundError, on_document_not_found)
    app.add_exception_handler(InvalidQuestionError, on_invalid_question)
    app.add_exception_handler(RagError, on_rag_error)
