"""The chat widget script, the demo page that embeds it, and the OpenAPI docs page."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"

# The demo page may load scripts only from this server (widget.js), never inline.
# Its own <style> blocks are allowed by hash; the widget styles its shadow root
# with a constructable stylesheet, which style-src does not restrict.
_DEMO_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'{hashes}; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'self'"
)
_STYLE_BLOCK = re.compile(rb"<style[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)


def demo_csp(page: bytes) -> str:
    """The demo page's policy, allowing exactly its own inline styles."""
    return _DEMO_CSP.format(hashes=_inline_hashes(page, _STYLE_BLOCK))


DOCS_ASSETS = "/docs/assets"
# Swagger UI: its bundle from this server (offline, no CDN) and one inline
# bootstrap script, allowed by its hash.
_DOCS_CSP = (
    "default-src 'self'; script-src 'self'{hashes}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
_SCRIPT_BLOCK = re.compile(rb"<script>(.*?)</script>", re.DOTALL | re.IGNORECASE)


def _inline_hashes(page: bytes, pattern: re.Pattern[bytes]) -> str:
    return "".join(
        f" 'sha256-{base64.b64encode(hashlib.sha256(block).digest()).decode()}'"
        for block in pattern.findall(page)
    )


def swagger_ui_dir() -> Path | None:
    """Swagger UI 5 files (OpenAPI 3.1) from the `swagger-ui-bundle-v2` package."""
    try:
        import swagger_ui_bundle
    except ImportError:
        return None
    return Path(swagger_ui_bundle.swagger_ui_path)


@dataclass(frozen=True)
class Asset:
    body: bytes
    etag: str

    @classmethod
    def of(cls, body: bytes) -> Asset:
        return cls(body, f'"{hashlib.sha256(body).hexdigest()[:16]}"')

    @classmethod
    def read(cls, path: Path) -> Asset | None:
        try:
            body = path.read_bytes()
        except OSError:
            return None
        return cls.of(body)


# widget.js holds this string literal where its stylesheet goes.
CSS_MARKER = b'"/*__WIDGET_CSS__*/"'


def widget_asset(folder: Path) -> Asset | None:
    """widget.js with widget.css inlined: sites embed one file, the CSS stays a real file."""
    script = Asset.read(folder / "widget.js")
    try:
        css = (folder / "widget.css").read_text(encoding="utf-8")
    except OSError:
        return script  # unstyled but working; the demo page shows it at once
    if script is None:
        return None
    # A JSON string is a valid JS string literal; ASCII-only, so U+2028 cannot end it.
    literal = json.dumps(css, ensure_ascii=True).encode("ascii")
    return Asset.of(script.body.replace(CSS_MARKER, literal, 1))


@dataclass(frozen=True)
class StaticAssets:
    """Read once when the app is created: requests never touch the disk."""

    folder: Path
    widget: Asset | None
    demo: Asset | None
    demo_policy: str

    @classmethod
    def load(cls, folder: Path = STATIC_DIR) -> StaticAssets:
        demo = Asset.read(folder / "demo.html")
        policy = demo_csp(demo.body if demo else b"")
        return cls(folder, widget_asset(folder), demo, policy)


def _missing(folder: Path, name: str) -> JSONResponse:
    return JSONResponse(
        {"detail": f"{name} is not installed: {folder / name} was missing when the server started"},
        status_code=404,
    )


def static_router(assets: StaticAssets) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/widget.js")
    async def widget(request: Request) -> Response:
        """The embeddable chat widget."""
        if assets.widget is None:
            return _missing(assets.folder, "widget.js")
        headers = {
            "ETag": assets.widget.etag,
            # Short: a redeployed widget reaches embedding sites within minutes.
            "Cache-Control": "public, max-age=300",
            "X-Content-Type-Options": "nosniff",
            # Other sites embed it with <script src>, so it must be loadable cross-origin.
            "Cross-Origin-Resource-Policy": "cross-origin",
        }
        if request.headers.get("if-none-match") == assets.widget.etag:
            return Response(status_code=304, headers=headers)
        return Response(
            assets.widget.body, media_type="application/javascript; charset=utf-8", headers=headers
        )

    @router.get("/")
    async def demo() -> Response:
        """The demo page that embeds the widget."""
        if assets.demo is None:
            return _missing(assets.folder, "demo.html")
        return HTMLResponse(
            assets.demo.body,
            headers={
                "Content-Security-Policy": assets.demo_policy,
                "X-Frame-Options": "SAMEORIGIN",
            },
        )

    return router


def docs_router(app: FastAPI) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    assets = swagger_ui_dir()
    if assets is not None:
        app.mount(DOCS_ASSETS, StaticFiles(directory=assets), name="docs-assets")
        js, css = f"{DOCS_ASSETS}/swagger-ui-bundle.js", f"{DOCS_ASSETS}/swagger-ui.css"
    else:  # pragma: no cover - swagger-ui-bundle-v2 is a dependency
        js = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"
        css = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css"
    # Built once: the page never changes while the app runs.
    page = get_swagger_ui_html(
        openapi_url=app.openapi_url or "",
        title=f"{app.title} docs",
        swagger_js_url=js,
        swagger_css_url=css,
        swagger_favicon_url=f"{DOCS_ASSETS}/favicon-32x32.png",
    ).body
    policy = _DOCS_CSP.format(hashes=_inline_hashes(page, _SCRIPT_BLOCK))
    if assets is None:  # pragma: no cover
        policy = policy.replace("'self'", "'self' https://cdn.jsdelivr.net")

    @router.get("/docs")
    async def docs() -> HTMLResponse:
        """Swagger UI for the OpenAPI schema."""
        return HTMLResponse(page, headers={"Content-Security-Policy": policy})

    return router
