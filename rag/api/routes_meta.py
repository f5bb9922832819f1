"""GET /health for monitors, POST /admin/reload for operators."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from rag.api.asklog import with_newsroom
from rag.api.deps import ServiceDep
from rag.api.models import ErrorOut, ReloadOut
from rag.api.security import ADMIN_KEY_REJECTED, require_admin_key
from rag.errors import RagError
from rag.responses import Health

logger = logging.getLogger("rag.api")

router = APIRouter(tags=["meta"])


@router.get(
    "/health",
    response_model=Health,
    responses={503: {"model": Health, "description": "No usable index; `detail` says why"}},
)
async def health(service: ServiceDep, request: Request) -> JSONResponse:
    """Service status, index size, model, index generation, limits and the question log."""
    # async on purpose: it must answer even when every worker thread is busy embedding.
    report = with_newsroom(service.health(), request.app)
    return JSONResponse(report.model_dump(), status_code=200 if report.status == "ok" else 503)


@router.post(
    "/admin/reload",
    response_model=ReloadOut,
    dependencies=[Depends(require_admin_key)],
    responses={
        403: ADMIN_KEY_REJECTED,
        404: {"model": ErrorOut, "description": "RAG_ADMIN_KEY is not configured"},
        409: {"model": ErrorOut, "description": "The new index failed to load; the old serves"},
    },
)
async def reload_index(service: ServiceDep) -> ReloadOut:
    """Swap to the index generation on disk, without dropping a request."""
    previous = service.health().index
    try:
        # Loading checksums and parses files: blocking work for a worker thread.
        generation = await run_in_threadpool(service.reload)
    except RagError as exc:
        logger.warning("reload failed, still serving %s: %s", previous, exc)
        raise HTTPException(
            409, detail=f"reload failed, still serving generation {previous}: {exc}"
        ) from exc
    report = service.health()
    logger.info("reloaded index: %s -> %s", previous, generation)
    return ReloadOut(
        generation=generation,
        previous=previous,
        documents=report.documents,
        passages=report.passages,
    )
