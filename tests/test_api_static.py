"""GET /widget.js, GET / (the demo page), and the OpenAPI docs."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rag.api.routes_static import STATIC_DIR

WIDGET = "(function () { /* widget */ })();\n"
DEMO = '<!doctype html><html lang="ar" dir="rtl"><script src="/widget.js"></script></html>\n'


@pytest.fixture
def assets(tmp_path: Path) -> Path:
    (tmp_path / "widget.js").write_text(WIDGET, encoding="utf-8")
    (tmp_path / "demo.html").write_text(DEMO, encoding="utf-8")
    return tmp_path


@pytest.fixture
def static_client(make_client, assets: Path) -> TestClient:
    return make_client(static_dir=assets)


def test_widget_is_served_as_utf8_javascript(static_client: TestClient) -> None:
    response = static_client.get("/widget.js")
    assert response.status_code == 200
    assert response.text == WIDGET
    assert response.headers["content-type"] == "application/javascript; charset=utf-8"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_widget_is_cached_briefly(static_client: TestClient) -> None:
    cache = static_client.get("/widget.js").headers["cache-control"]
    assert "max-age=" in cache
    assert int(cache.split("max-age=")[1].split(",")[0]) <= 3600


def test_widget_revalidates_with_its_etag(static_client: TestClient) -> None:
    etag = static_client.get("/widget.js").headers["etag"]
    response = static_client.get("/widget.js", headers={"if-none-match": etag})
    assert response.status_code == 304
    assert not response.content


def test_widget_may_be_embedded_by_other_sites(static_client: TestClient) -> None:
    response = static_client.get("/widget.js")
    assert response.headers["cross-origin-resource-policy"] == "cross-origin"


def test_files_are_read_once_at_startup(make_client, assets: Path) -> None:
    client = make_client(static_dir=assets)
    (assets / "widget.js").write_text("changed", encoding="utf-8")
    assert client.get("/widget.js").text == WIDGET


def test_demo_page_is_served_as_html(static_client: TestClient) -> None:
    response = static_client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.text == DEMO


def test_demo_page_csp_lets_only_this_servers_scripts_run(static_client: TestClient) -> None:
    csp = static_client.get("/").headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert "frame-ancestors" in directives


def test_demo_page_allows_its_own_styles_by_hash_not_unsafe_inline(
    make_client, assets: Path
) -> None:
    styled = DEMO.replace("<script", "<style>body{color:red}</style><script")
    (assets / "demo.html").write_text(styled, encoding="utf-8")
    response = make_client(static_dir=assets).get("/")
    style_src = next(
        d for d in response.headers["content-security-policy"].split(";") if "style-src" in d
    )
    block = re.search(r"<style[^>]*>(.*?)</style>", response.text, re.DOTALL).group(1)
    digest = base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in style_src
    assert "unsafe-inline" not in style_src


def test_demo_page_has_the_other_security_headers(static_client: TestClient) -> None:
    headers = static_client.get("/").headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_missing_widget_is_a_clear_404(make_client, tmp_path: Path) -> None:
    response = make_client(static_dir=tmp_path).get("/widget.js")
    assert response.status_code == 404
    assert "widget.js" in response.json()["detail"]


def test_missing_demo_page_is_a_clear_404(make_client, tmp_path: Path) -> None:
    response = make_client(static_dir=tmp_path).get("/")
    assert response.status_code == 404
    assert "demo.html" in response.json()["detail"]


def test_assets_come_from_the_package_by_default() -> None:
    package = Path(__file__).resolve().parents[1] / "rag" / "api"
    assert package / "static" == STATIC_DIR


# -- OpenAPI -----------------------------------------------------------------------------


def test_docs_page_is_served(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert "/openapi.json" in response.text


def test_openapi_lists_every_endpoint(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths["/ask"])
    assert {"/documents", "/documents/{doc_id}", "/health"} <= set(paths)


def test_openapi_states_the_configured_limits(make_client) -> None:
    schema = make_client(max_question_chars=321, max_top_k=7).get("/openapi.json").json()
    body = schema["components"]["schemas"]["AskRequest"]["properties"]
    assert body["question"]["maxLength"] == 321
    assert body["top_k"]["maximum"] == 7


def test_openapi_documents_the_error_shapes(client: TestClient) -> None:
    responses = client.get("/openapi.json").json()["paths"]["/ask"]["post"]["responses"]
    assert {"200", "413", "422", "429", "503"} <= set(responses)


def test_every_route_docstring_is_one_line(client: TestClient) -> None:
    for route in client.app.routes:
        doc = getattr(getattr(route, "endpoint", None), "__doc__", None)
        if doc:
            assert "\n" not in doc.strip(), route.path


def test_docs_page_loads_swagger_ui_from_this_server(client: TestClient) -> None:
    page = client.get("/docs").text
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert scripts and all(src.startswith("/docs/assets/") for src in scripts)
    assert client.get(scripts[0]).status_code == 200


def test_docs_page_allows_its_inline_bootstrap_by_hash(client: TestClient) -> None:
    response = client.get("/docs")
    script_src = next(
        d for d in response.headers["content-security-policy"].split(";") if "script-src" in d
    )
    [inline] = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in script_src
    assert "unsafe-inline" not in script_src and "http" not in script_src
