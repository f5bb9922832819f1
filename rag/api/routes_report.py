"""GET /admin/report: the editors' report as JSON, behind the admin key."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.concurrency import run_in_threadpool

from rag.api.deps import ServiceDep, SettingsDep
from rag.api.models import ErrorOut
from rag.api.security import ADMIN_KEY_REJECTED, require_admin_key
from rag.newsroom.grouping import DEFAULT_SIMILARITY
from rag.newsroom.report import Report, ReportError, build_report, period

report_router = APIRouter(tags=["admin"])

_DATE = r"^\d{4}-\d{2}-\d{2}$"


@report_router.get(
    "/admin/report",
    response_model=Report,
    dependencies=[Depends(require_admin_key)],
    responses={
        403: ADMIN_KEY_REJECTED,
        404: {"model": ErrorOut, "description": "No admin key configured, or no question log"},
        422: {"model": ErrorOut, "description": "An empty or malformed period"},
    },
)
async def admin_report(
    service: ServiceDep,
    settings: SettingsDep,
    days: Annotated[int, Query(ge=1, le=3660, description="The last N days.")] = 7,
    since: Annotated[str | None, Query(pattern=_DATE, description="First UTC day.")] = None,
    until: Annotated[str | None, Query(pattern=_DATE, description="Last UTC day.")] = None,
    top: Annotated[int, Query(ge=1, le=100, description="Rows per list.")] = 10,
) -> Report:
    """Most asked and unanswered questions (near-duplicates grouped), citations, votes."""
    try:
        start, end = period(days, since, until)
    except ReportError as exc:
        raise HTTPException(422, detail=str(exc)) from exc
    try:
        # Embedding the questions to group them is blocking work for a worker thread.
        return await run_in_threadpool(
            build_report, settings.data_dir, service.embedder, start, end, top, DEFAULT_SIMILARITY
        )
    except ReportError as exc:
        raise HTTPException(404, detail=str(exc)) from exc
