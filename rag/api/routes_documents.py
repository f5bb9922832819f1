"""GET /documents and GET /documents/{id}: JSON for programs, HTML for browsers."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, Response

from rag.api.deps import ServiceDep
from rag.api.models import ErrorOut
from rag.api.pages import PAGE_HEADERS, document_list_page, document_page

# document_out lives with the response models, so `rag parse --json` needs no web stack.
from rag.responses import DocumentOut, DocumentSummary, document_out

router = APIRouter(tags=["documents"], responses={503: {"model": ErrorOut}})

_HTML_RESPONSE = {"content": {"text/html": {}}, "description": "JSON, or HTML if preferred"}


def _quality(accept: str, media_type: str) -> float:
    """The q-value `accept` gives `media_type`; the most specific matching range wins."""
    kind = media_type.split("/")[0]
    best: tuple[int, float] = (-1, 0.0)
    for item in accept.split(","):
        fields = [f.strip() for f in item.split(";")]
        pattern, q = fields[0].lower(), 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        specificity = {media_type: 2, f"{kind}/*": 1, "*/*": 0}.get(pattern, -1)
        if specificity > best[0]:
            best = (specificity, q)
    return best[1]


def prefers_html(request: Request) -> bool:
    """True for browsers: text/html ranked above JSON. `*/*` alone (curl, fetch) means JSON."""
    accept = request.headers.get("accept", "")
    html = _quality(accept, "text/html")
    return html > 0 and html > _quality(accept, "application/json")


# The response representation depends on Accept, so caches must key on it.
_VARY = {"Vary": "Accept"}


@router.get("/documents", response_model=list[DocumentSummary], responses={200: _HTML_RESPONSE})
async def list_documents(request: Request, service: ServiceDep) -> Response:
    """List the indexed documents."""
    documents = service.documents()
    if prefers_html(request):
        return HTMLResponse(document_list_page(documents), headers=PAGE_HEADERS | _VARY)
    return _json(documents)


@router.get(
    "/documents/{doc_id}",
    response_model=DocumentOut,
    responses={200: _HTML_RESPONSE, 404: {"model": ErrorOut, "description": "Unknown document"}},
)
async def get_document(doc_id: str, request: Request, service: ServiceDep) -> Response:
    """One document: its full source text and paragraphs (citation offsets index into `text`)."""
    # A dictionary lookup, never a file path: `../etc/passwd` is just an unknown id.
    doc = service.document(doc_id)
    if prefers_html(request):
        return HTMLResponse(document_page(doc), headers=PAGE_HEADERS | _VARY)
    return _json(document_out(doc))


def _json(payload: object) -> JSONResponse:
    return JSONResponse(jsonable_encoder(payload), headers=_VARY)
