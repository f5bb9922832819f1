"""POST /ask and GET /ask: the question, answered with cited passages.

No `from __future__ import annotations` here: the endpoints are annotated with
types built per app inside `ask_router`, which FastAPI must see as objects.
"""

from fastapi import APIRouter, Depends, Request, Response

from rag.api.asklog import issue
from rag.api.deps import ServiceDep
from rag.api.models import (
    DocumentQuery,
    ErrorOut,
    ValidationErrorOut,
    ask_request_model,
    question_query,
    top_k_query,
)
from rag.api.security import enforce_rate_limit, require_api_key
from rag.config import Settings
from rag.responses import AskResponse

ERROR_RESPONSES: dict[int | str, dict] = {
    401: {"model": ErrorOut, "description": "RAG_API_KEY is set and X-API-Key is wrong"},
    413: {"model": ErrorOut, "description": "Body over RAG_MAX_BODY_BYTES"},
    404: {"model": ErrorOut, "description": "`document` names no indexed document"},
    422: {"model": ValidationErrorOut, "description": "Invalid question or top_k"},
    429: {"model": ErrorOut, "description": "Over RAG_RATE_LIMIT; see Retry-After"},
    503: {"model": ErrorOut, "description": "No index is loaded"},
}


def _json(response: AskResponse) -> Response:
    # The core already built a validated AskResponse: serialise it once, in
    # pydantic's Rust core, instead of letting FastAPI validate and encode it
    # again. `response_model` still documents the shape in the OpenAPI schema.
    return Response(response.model_dump_json(), media_type="application/json")


def ask_router(settings: Settings) -> APIRouter:
    """Routes for /ask, with this app's limits in their validation and schema."""
    # The rate limit comes first so that guessing API keys is throttled too. The key
    # check is only there when a key is set, so the OpenAPI schema declares the
    # X-API-Key security scheme (and the 401) exactly when the server enforces it.
    dependencies = [Depends(enforce_rate_limit)]
    responses = dict(ERROR_RESPONSES)
    if settings.api_key:
        dependencies.append(Depends(require_api_key))
    else:
        del responses[401]
    router = APIRouter(tags=["ask"], dependencies=dependencies, responses=responses)
    AskRequest = ask_request_model(settings.max_question_chars, settings.max_top_k)
    Question = question_query(settings.max_question_chars)
    TopK = top_k_query(settings.max_top_k)

    # Plain `def`: FastAPI runs these in its threadpool, because embedding the
    # question is a blocking call into C that must not stall the event loop.
    @router.post("/ask", response_model=AskResponse)
    def ask_post(body: AskRequest, service: ServiceDep, request: Request) -> Response:  # type: ignore[valid-type]
        """Answer a question with the best passages and their exact citations."""
        answer = service.ask(body.question, body.top_k, body.document)  # type: ignore[attr-defined]
        return _json(issue(request, service, answer, body.document))  # type: ignore[attr-defined]

    @router.get("/ask", response_model=AskResponse)
    def ask_get(
        service: ServiceDep,
        request: Request,
        q: Question,  # type: ignore[valid-type]
        top_k: TopK = 3,  # type: ignore[valid-type]
        document: DocumentQuery = None,
    ) -> Response:
        """Same as POST /ask, with the question in the query string."""
        return _json(issue(request, service, service.ask(q, top_k, document), document))

    return router
