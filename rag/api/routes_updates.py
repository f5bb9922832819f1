"""PUT and DELETE /documents/{id}: the CMS pushes articles, behind the admin key.

The body is the article itself (HTML, Markdown or plain text, told by
Content-Type); the URL, title and publication date ride in the query string:

    curl -X PUT -H 'X-Admin-Key: ...' -H 'Content-Type: text/html' \\
         --data-binary @page.html 'http://127.0.0.1:8000/documents/my-article?url=https://...'

Embedding and writing are blocking work, so they run on a worker thread; the
answer returns once the new generation is on disk and served.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from rag.api.deps import ServiceDep
from rag.api.models import ErrorOut
from rag.api.security import ADMIN_KEY_REJECTED, require_admin_key
from rag.errors import DocumentNotFoundError
from rag.index.update import EmptyIndexError
from rag.ingest import UnreadableDocument, normalise_date, valid_id
from rag.ingest.files import decode

router = APIRouter(
    tags=["documents"],
    dependencies=[Depends(require_admin_key)],
    responses={503: {"model": ErrorOut, "description": "No index is loaded"}},
)

_KINDS = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
    "text/plain": "text",
}


class UpdateOut(BaseModel):
    id: str
    generation: str
    documents: int
    passages: int
    embedded: list[str]
    removed: list[str]


_ERRORS = {
    403: ADMIN_KEY_REJECTED,
    404: {"model": ErrorOut, "description": "RAG_ADMIN_KEY unset, or unknown document"},
}


def _check_id(doc_id: str) -> None:
    if not valid_id(doc_id):
        raise HTTPException(
            422,
            detail="a document id is 1-128 letters, digits, '_', '-' or '.', "
            "not starting with '-' or '.'",
        )


@router.put(
    "/documents/{doc_id}",
    response_model=UpdateOut,
    responses=_ERRORS
    | {
        413: {"model": ErrorOut, "description": "Body over RAG_MAX_DOCUMENT_BYTES"},
        415: {"model": ErrorOut, "description": "Not HTML, Markdown or text"},
        422: {"model": ErrorOut, "description": "Empty, unreadable or article-less body"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {kind: {"schema": {"type": "string"}} for kind in _KINDS},
        }
    },
)
async def put_document(
    doc_id: str,
    request: Request,
    service: ServiceDep,
    url: Annotated[str | None, Query(max_length=2048, description="Original page")] = None,
    title: Annotated[str | None, Query(max_length=500)] = None,
    published: Annotated[str | None, Query(max_length=40, description="ISO 8601 date")] = None,
) -> UpdateOut:
    """Add or replace one document (HTML, Markdown or text body); only it is embedded."""
    _check_id(doc_id)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    kind = _KINDS.get(media)
    if kind is None:
        raise HTTPException(
            415,
            detail=f"Content-Type {media or '(none)'!r} is not supported; send "
            "text/html, text/markdown or text/plain",
        )
    if url is not None and not url.startswith(("http://", "https://")):
        raise HTTPException(422, detail="url must be an http:// or https:// address")
    try:
        if published:
            published = normalise_date(published)
        body = decode(await request.body(), html=kind == "html")
    except (UnreadableDocument, ValueError) as exc:
        raise HTTPException(422, detail=f"the document body is unusable: {exc}") from exc
    try:
        report = await run_in_threadpool(
            service.put_document, doc_id, body, kind, url, title, published
        )
    except (UnreadableDocument, ValueError) as exc:
        raise HTTPException(422, detail=f"the document body is unusable: {exc}") from exc
    return UpdateOut(id=doc_id, **_fields(report))


@router.delete(
    "/documents/{doc_id}",
    response_model=UpdateOut,
    responses=_ERRORS | {409: {"model": ErrorOut, "description": "The last document stays"}},
)
async def delete_document(doc_id: str, service: ServiceDep) -> UpdateOut:
    """Remove one document from the index."""
    try:
        report = await run_in_threadpool(service.delete_document, doc_id)
    except DocumentNotFoundError as exc:
        raise HTTPException(404, detail=str(exc)) from exc
    except EmptyIndexError as exc:
        raise HTTPException(409, detail=str(exc)) from exc
    return UpdateOut(id=doc_id, **_fields(report))


def _fields(report: object) -> dict:
    return {
        name: getattr(report, name)
        for name in ("generation", "documents", "passages", "embedded", "removed")
    }
