"""Pure ASGI middleware: HEAD, body size limit, security headers, last-resort errors.

Pure ASGI rather than `BaseHTTPMiddleware`: they see every message, stream
bodies without buffering them, and add no task per request.
"""

from __future__ import annotations

import logging

from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("rag.api")

# For HTML responses that did not set their own policy: nothing may load or frame it.
DEFAULT_HTML_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"


class BodyTooLarge(HTTPException):
    """An HTTPException, so FastAPI's body reader re-raises it instead of answering 400."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, detail=f"the request body is larger than {limit} bytes")


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class _TrackedSend:
    """Wraps `send` to remember whether the response has started (then no error
    response can be sent any more: the exception must propagate)."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.started = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
        await self._send(message)


class BodySizeLimitMiddleware:
    """413 for a body over `max_bytes`: by its Content-Length, or counted as it streams."""

    def __init__(self, app: ASGIApp, max_bytes: int, document_max_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # PUT /documents/{id} carries a whole article page, far over a question's limit.
        self.document_max_bytes = document_max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if (
            self.document_max_bytes is not None
            and scope.get("method") == "PUT"
            and scope.get("path", "").startswith("/documents/")
        ):
            limit = self.document_max_bytes
        else:
            limit = self.max_bytes
        await self._limited(scope, receive, send, limit)

    async def _limited(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            # Refuse before reading a byte of it.
            await self._refuse(scope, receive, send, limit)
            return

        # A chunked body has no Content-Length: count what actually arrives.
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        tracked = _TrackedSend(send)
        try:
            await self.app(scope, limited_receive, tracked)
        except BodyTooLarge:
            # Usually the app's exception handler already answered; this covers readers
            # that let it escape.
            if tracked.started:
                raise
            await self._refuse(scope, receive, send, limit)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        detail = BodyTooLarge(limit).detail
        await JSONResponse({"detail": detail}, status_code=413)(scope, receive, send)


class SecurityHeadersMiddleware:
    """nosniff and a referrer policy everywhere; a locked-down default CSP on HTML."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", DEFAULT_HTML_CSP)
                    headers.setdefault("X-Frame-Options", "DENY")
            await send(message)

        await self.app(scope, receive, send_with_headers)


class InternalErrorMiddleware:
    """Log an unexpected exception and answer a plain 500 JSON, with no traceback.

    It sits inside the CORS and security-header middleware, so even this answer
    carries their headers and a browser client can read it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tracked = _TrackedSend(send)
        try:
            await self.app(scope, receive, tracked)
        except Exception:
            logger.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if tracked.started:
                raise
            response = JSONResponse({"detail": "internal server error"}, status_code=500)
            await response(scope, receive, send)


class HeadAsGetMiddleware:
    """Answer HEAD like GET without the body (RFC 9110 9.3.2): uptime checks use it.

    The routes see a GET, so a HEAD gets exactly the status and headers,
    Content-Length included, that a GET would; a resource without GET still
    answers 405.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)
