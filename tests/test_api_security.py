"""CORS allowlist, per-client rate limit, API key: who may call the API, and how often."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from rag.config import Settings

QUESTION = "why does China need Russia?"
SITE = "https://news.example"
OTHER = "https://evil.example"


def ask(client: TestClient, headers: dict[str, str] | None = None):
    return client.post("/ask", json={"question": QUESTION}, headers=headers or {})


def cheap_ask(client: TestClient, headers: dict[str, str] | None = None):
    """An /ask that fails validation: it still counts against the limit, without embedding."""
    return client.get("/ask", headers=headers or {})


def preflight(client: TestClient, origin: str):
    return client.options(
        "/ask",
        headers={
            "origin": origin,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type,x-api-key",
        },
    )


# -- CORS ------------------------------------------------------------------------------------


@pytest.mark.parametrize("origin", [OTHER, SITE, "null"])
def test_no_allowlist_sends_no_cors_header(client: TestClient, origin: str) -> None:
    response = ask(client, {"origin": origin})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


def test_no_allowlist_grants_no_preflight(client: TestClient) -> None:
    assert "access-control-allow-origin" not in preflight(client, SITE).headers


def test_allowlisted_origin_is_echoed(make_client) -> None:
    client = make_client(cors_origins=[SITE])
    response = ask(client, {"origin": SITE})
    assert response.headers["access-control-allow-origin"] == SITE
    assert "access-control-allow-credentials" not in response.headers


def test_origin_outside_the_allowlist_gets_no_cors_header(make_client) -> None:
    client = make_client(cors_origins=[SITE])
    assert "access-control-allow-origin" not in ask(client, {"origin": OTHER}).headers


def test_preflight_from_an_allowlisted_origin_allows_the_widgets_headers(make_client) -> None:
    client = make_client(cors_origins=[SITE])
    response = preflight(client, SITE)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == SITE
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "content-type" in allowed and "x-api-key" in allowed
    assert "POST" in response.headers["access-control-allow-methods"]


def test_preflight_from_another_origin_is_refused(make_client) -> None:
    client = make_client(cors_origins=[SITE])
    response = preflight(client, OTHER)
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


def test_allowlisted_origin_can_read_error_answers(make_client) -> None:
    client = make_client(cors_origins=[SITE], max_body_bytes=256)
    too_big = client.post("/ask", content=b"x" * 1000, headers={"origin": SITE})
    invalid = client.post("/ask", json={"question": ""}, headers={"origin": SITE})
    for response in (too_big, invalid):
        assert response.headers["access-control-allow-origin"] == SITE


def test_allowlisted_origin_can_read_retry_after(make_client) -> None:
    client = make_client(cors_origins=[SITE], rate_limit=1)
    cheap_ask(client, {"origin": SITE})
    response = cheap_ask(client, {"origin": SITE})
    assert response.status_code == 429
    assert "retry-after" in response.headers["access-control-expose-headers"].lower()


def test_comma_separated_origins_setting_is_an_allowlist(monkeypatch) -> None:
    monkeypatch.setenv("RAG_CORS_ORIGINS", f"{SITE}, https://b.example")
    assert Settings(_env_file=None).cors_origins == [SITE, "https://b.example"]


# -- rate limit ------------------------------------------------------------------------------


def test_requests_over_the_limit_get_429(make_client) -> None:
    client = make_client(rate_limit=3)
    statuses = [cheap_ask(client).status_code for _ in range(4)]
    assert statuses == [422, 422, 422, 429]


def test_429_says_when_to_retry(make_client) -> None:
    client = make_client(rate_limit=1)
    cheap_ask(client)
    response = cheap_ask(client)
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) >= 1
    assert "per minute" in response.json()["detail"]


def test_successful_answers_count_against_the_limit(make_client) -> None:
    client = make_client(rate_limit=1)
    assert ask(client).status_code == 200
    assert ask(client).status_code == 429


def test_zero_turns_the_limit_off(make_client) -> None:
    client = make_client(rate_limit=0)
    assert {cheap_ask(client).status_code for _ in range(50)} == {422}


def test_only_ask_is_rate_limited(make_client) -> None:
    client = make_client(rate_limit=1)
    cheap_ask(client)
    for path in ("/health", "/documents", "/openapi.json"):
        assert client.get(path).status_code == 200


def test_forwarded_for_is_ignored_without_trust_proxy(make_client) -> None:
    client = make_client(rate_limit=1)
    cheap_ask(client, {"x-forwarded-for": "10.0.0.1"})
    assert cheap_ask(client, {"x-forwarded-for": "10.0.0.2"}).status_code == 429


def test_clients_behind_a_trusted_proxy_are_limited_separately(make_client) -> None:
    client = make_client(rate_limit=1, trust_proxy=True)
    assert cheap_ask(client, {"x-forwarded-for": "10.0.0.1"}).status_code == 422
    assert cheap_ask(client, {"x-forwarded-for": "10.0.0.2"}).status_code == 422
    assert cheap_ask(client, {"x-forwarded-for": "10.0.0.1"}).status_code == 429


def test_a_forged_forwarded_for_prefix_does_not_escape_the_limit(make_client) -> None:
    # The proxy appends the real address; whatever the client put before it is ignored.
    client = make_client(rate_limit=1, trust_proxy=True)
    cheap_ask(client, {"x-forwarded-for": "1.1.1.1, 10.0.0.1"})
    assert cheap_ask(client, {"x-forwarded-for": "2.2.2.2, 10.0.0.1"}).status_code == 429


# -- API key ---------------------------------------------------------------------------------


def test_without_a_configured_key_ask_is_open(client: TestClient) -> None:
    assert ask(client).status_code == 200


def test_configured_key_is_required_on_ask(make_client) -> None:
    client = make_client(api_key="s3cret-key")
    response = ask(client)
    assert response.status_code == 401
    assert "X-API-Key" in response.json()["detail"]


def test_wrong_key_is_401(make_client) -> None:
    client = make_client(api_key="s3cret-key")
    assert ask(client, {"x-api-key": "s3cret-kez"}).status_code == 401


def test_right_key_is_answered(make_client) -> None:
    client = make_client(api_key="s3cret-key")
    assert ask(client, {"x-api-key": "s3cret-key"}).status_code == 200


def test_key_is_required_on_get_ask_too(make_client) -> None:
    client = make_client(api_key="s3cret-key")
    assert client.get("/ask", params={"q": QUESTION}).status_code == 401


@pytest.mark.parametrize("path", ["/health", "/documents", "/documents/putin-beijing", "/docs"])
def test_public_routes_need_no_key(make_client, path: str) -> None:
    client = make_client(api_key="s3cret-key")
    assert client.get(path).status_code == 200


def test_schema_declares_the_api_key_exactly_when_one_is_set(make_client) -> None:
    public = make_client().get("/openapi.json").json()
    keyed = make_client(api_key="s3cret-key").get("/openapi.json").json()
    assert "security" not in public["paths"]["/ask"]["post"]
    assert "401" not in public["paths"]["/ask"]["post"]["responses"]
    assert keyed["paths"]["/ask"]["post"]["security"] == [{"ApiKey": []}]
    assert "401" in keyed["paths"]["/ask"]["post"]["responses"]


def test_schema_names_each_key_header_under_its_own_scheme(make_client) -> None:
    schemes = make_client(api_key="k").get("/openapi.json").json()["components"]["securitySchemes"]
    assert schemes["ApiKey"]["name"] == "X-API-Key"
    assert schemes["AdminKey"]["name"] == "X-Admin-Key"


@pytest.mark.parametrize("path", ["/widget.js", "/"])
def test_widget_assets_need_no_key(make_client, tmp_path, path: str) -> None:
    (tmp_path / "widget.js").write_text("// widget\n")
    (tmp_path / "demo.html").write_text("<!doctype html><title>demo</title>\n")
    client = make_client(api_key="s3cret-key", static_dir=tmp_path)
    assert client.get(path).status_code == 200


# -- security headers on the HTML pages not covered elsewhere ----------------------------------

HTML = {"accept": "text/html"}


@pytest.mark.parametrize("path", ["/documents", "/docs"])
def test_html_pages_carry_the_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path, headers=HTML)
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "base-uri 'none'" in csp
