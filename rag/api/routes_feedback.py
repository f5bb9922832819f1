"""POST /feedback: a reader's helpful / not helpful vote on one answer.

No `from __future__ import annotations`: the body model is built per app inside
`feedback_router`, and FastAPI must see it as an object.
"""

import time
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictStr

from rag.api.asklog import client_hash, question_log_of
from rag.api.models import ErrorOut, ValidationErrorOut, clean_question
from rag.api.security import enforce_rate_limit, require_api_key
from rag.config import Settings
from rag.newsroom.records import FeedbackRecord
from rag.newsroom.store import LogUnavailableError

MAX_COMMENT_CHARS = 1000


def _clean_comment(value: str | None) -> str | None:
    # The question gate: the same control, surrogate and bidi rules; blank means none.
    if value is None or not value.strip():
        return None
    return clean_question(value)


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: Annotated[
        StrictStr,
        Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$"),
    ] = Field(description="The `id` of the /ask response voted on.")
    helpful: StrictBool = Field(description="true: the answer helped; false: it did not.")
    comment: Annotated[
        StrictStr | None, Field(max_length=MAX_COMMENT_CHARS), AfterValidator(_clean_comment)
    ] = Field(None, description=f"Optional, at most {MAX_COMMENT_CHARS} characters.")


class FeedbackOut(BaseModel):
    id: str
    helpful: bool
    detail: str = Field(description="What happened to the vote.")


def feedback_router(settings: Settings) -> APIRouter:
    """POST /feedback, limited and keyed like /ask."""
    dependencies = [Depends(enforce_rate_limit)]
    responses: dict[int | str, dict] = {
        404: {"model": ErrorOut, "description": "No answer has this id (or the log is off)"},
        422: {"model": ValidationErrorOut, "description": "Invalid id, helpful or comment"},
        429: {"model": ErrorOut, "description": "Over RAG_RATE_LIMIT; see Retry-After"},
        503: {"model": ErrorOut, "description": "The question log cannot be read now"},
    }
    if settings.api_key:
        dependencies.append(Depends(require_api_key))
        responses[401] = {"model": ErrorOut, "description": "X-API-Key is wrong"}
    router = APIRouter(tags=["feedback"], dependencies=dependencies, responses=responses)

    @router.post("/feedback", status_code=202, response_model=FeedbackOut)
    async def feedback(body: FeedbackIn, request: Request) -> FeedbackOut:
        """Record whether an answer helped; a client's later vote on it replaces the earlier."""
        log = question_log_of(request.app)
        if log is None:
            raise HTTPException(404, detail="feedback is off: this server keeps no question log")
        try:
            # A database lookup at worst (an id from before a restart): off the event loop.
            known = await run_in_threadpool(log.knows, body.id)
        except LogUnavailableError as exc:
            raise HTTPException(
                503, detail=f"{exc}; retry later", headers={"Retry-After": "5"}
            ) from exc
        if not known:
            raise HTTPException(404, detail=f"no answer has the id {body.id!r}")
        log.vote(
            FeedbackRecord(
                question_id=body.id,
                client=client_hash(request, log, request.app.state.settings),
                helpful=body.helpful,
                comment=body.comment,
                voted_at=time.time(),
            )
        )
        return FeedbackOut(
            id=body.id, helpful=body.helpful, detail="thank you: the vote is recorded"
        )

    return router
