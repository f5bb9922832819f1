"""The factory and its lifespan: everything loads at startup, and apps share nothing."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from rag.api.app import create_app


def test_app_loads_model_and_index_before_the_first_request(make_settings) -> None:
    app = create_app(make_settings())
    assert app.state.service is None
    with TestClient(app) as client:
        assert app.state.service.ready
        assert client.get("/health").json()["status"] == "ok"


def test_apps_do_not_share_rate_limit_state(make_client) -> None:
    first, second = make_client(rate_limit=1), make_client(rate_limit=1)
    first.get("/ask")
    assert first.get("/ask").status_code == 429
    assert second.get("/ask").status_code == 422


def test_health_reports_the_index_generation_and_model(client: TestClient, service) -> None:
    body = client.get("/health").json()
    expected = service.health()
    assert body.pop("question_log")["status"] == "ok"  # see tests/test_newsroom_log.py
    body.pop("rate_limit")  # below
    assert body == {
        "status": "ok",
        "passages": expected.passages,
        "documents": expected.documents,
        "model": "multilingual-e5-small",
        "index": expected.index,
        "detail": None,
        "limits": {"max_question_chars": 1000, "max_top_k": 20},
    }


def test_health_shows_a_memory_rate_limit_as_not_shared(make_client) -> None:
    body = make_client(rate_limit=7).get("/health").json()
    assert body["rate_limit"] == {"per_minute": 7, "storage": "memory", "shared": False}


def test_health_shows_when_redis_is_down_and_the_replica_counts_alone(make_client) -> None:
    # Port 1 on loopback: nothing listens. The URI's password never reaches /health.
    client = make_client(rate_limit=5, rate_limit_storage="redis://:secret@127.0.0.1:1/0")
    assert client.get("/health").json()["rate_limit"]["shared"] is True  # not tried yet
    client.get("/ask", params={"q": "why does China need Russia?"})
    body = client.get("/health").json()
    assert body["rate_limit"] == {"per_minute": 5, "storage": "redis", "shared": False}
    assert "secret" not in json.dumps(body)


def test_an_app_started_again_answers_with_a_fresh_service(make_settings) -> None:
    # An ASGI server (or a test harness) may run the lifespan more than once.
    app = create_app(make_settings())
    with TestClient(app):
        first = app.state.service
    with TestClient(app) as client:
        assert app.state.service is not first
        assert client.get("/ask", params={"q": "why does China need Russia?"}).status_code == 200


@pytest.mark.parametrize("path", ["/health", "/", "/widget.js", "/documents/putin-beijing"])
def test_head_answers_like_get_without_a_body(client: TestClient, path: str) -> None:
    get, head = client.get(path), client.head(path)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["content-length"] == str(len(get.content))


def test_head_on_a_post_only_route_is_405(client: TestClient) -> None:
    assert client.head("/admin/reload").status_code == 405
