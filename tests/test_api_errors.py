"""Every error is JSON with a clear `detail` and the right status; client input never 500s."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import copy_index
from fastapi.testclient import TestClient

from rag.api.deps import get_service

QUESTION = "why does China need Russia?"


def assert_error(response, status: int, *fragments: str) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail
    for fragment in fragments:
        assert fragment in detail
    return detail


# -- 422: the question -------------------------------------------------------------------


def test_missing_question_is_422(client: TestClient) -> None:
    assert_error(client.post("/ask", json={"top_k": 3}), 422, "question", "required")


def test_empty_question_is_422(client: TestClient) -> None:
    assert_error(client.post("/ask", json={"question": ""}), 422, "question", "empty")


@pytest.mark.parametrize("blank", [" ", "\t\n \r", "\u3000\u00a0", "\u200b\u200f\ufeff"])
def test_whitespace_or_invisible_only_question_is_422(client: TestClient, blank: str) -> None:
    assert_error(client.post("/ask", json={"question": blank}), 422, "question", "empty")


def test_question_over_the_limit_is_422(make_client) -> None:
    client = make_client(max_question_chars=50)
    detail = assert_error(client.post("/ask", json={"question": "a" * 51}), 422, "question")
    assert "50" in detail


def test_question_at_the_limit_is_accepted(make_client) -> None:
    client = make_client(max_question_chars=50)
    assert client.post("/ask", json={"question": "why " * 12 + "ab"}).status_code == 200


@pytest.mark.parametrize("control", ["\x00", "\x07", "\x1b", "\x7f", "\x85"])
def test_question_with_a_control_character_is_422(client: TestClient, control: str) -> None:
    response = client.post("/ask", json={"question": f"why{control} China?"})
    assert_error(response, 422, "question", "control character")


def test_question_with_an_unpaired_surrogate_is_422(client: TestClient) -> None:
    body = b'{"question": "why \\ud800 China?"}'
    response = client.post("/ask", content=body, headers={"content-type": "application/json"})
    assert_error(response, 422, "question", "surrogate")


def test_tabs_and_newlines_inside_a_question_are_accepted(client: TestClient) -> None:
    assert (
        client.post("/ask", json={"question": "why does\tChina\nneed Russia?"}).status_code == 200
    )


@pytest.mark.parametrize("wrong", [5, 1.5, True, None, ["why?"], {"q": "why?"}])
def test_question_of_the_wrong_json_type_is_422(client: TestClient, wrong: object) -> None:
    assert_error(client.post("/ask", json={"question": wrong}), 422, "question")


# -- 422: top_k ----------------------------------------------------------------------------


@pytest.mark.parametrize("top_k", [0, -1, 21, 10**9, 10**30])
def test_top_k_out_of_range_is_422(client: TestClient, top_k: int) -> None:
    response = client.post("/ask", json={"question": QUESTION, "top_k": top_k})
    assert_error(response, 422, "top_k")


def test_top_k_limit_follows_the_setting(make_client) -> None:
    client = make_client(max_top_k=4)
    response = client.post("/ask", json={"question": QUESTION, "top_k": 5})
    assert_error(response, 422, "top_k", "at most 4")


@pytest.mark.parametrize("wrong", ["3", 3.0, 2.5, True, None, [3]])
def test_top_k_of_the_wrong_json_type_is_422(client: TestClient, wrong: object) -> None:
    response = client.post("/ask", json={"question": QUESTION, "top_k": wrong})
    assert_error(response, 422, "top_k")


def test_get_without_q_is_422(client: TestClient) -> None:
    assert_error(client.get("/ask"), 422, "q", "required")


@pytest.mark.parametrize("q", ["", "   ", "%E2%80%8B"])
def test_get_with_a_blank_q_is_422(client: TestClient, q: str) -> None:
    assert_error(client.get(f"/ask?q={q}"), 422, "q")


@pytest.mark.parametrize("top_k", ["0", "21", "abc", "1e3", "-5"])
def test_get_with_a_bad_top_k_is_422(client: TestClient, top_k: str) -> None:
    assert_error(client.get("/ask", params={"q": QUESTION, "top_k": top_k}), 422, "top_k")


def test_get_with_a_question_over_the_limit_is_422(make_client) -> None:
    client = make_client(max_question_chars=10)
    assert_error(client.get("/ask", params={"q": "x" * 11}), 422, "q")


# -- 422: the body itself ------------------------------------------------------------------


def post_raw(client: TestClient, body: bytes, content_type: str | None = "application/json"):
    headers = {"content-type": content_type} if content_type else {}
    return client.post("/ask", content=body, headers=headers)


@pytest.mark.parametrize("body", [b"{", b"{'question': 'x'}", b'{"question": "x",}', b"nul"])
def test_malformed_json_is_422(client: TestClient, body: bytes) -> None:
    assert_error(post_raw(client, body), 422, "JSON")


def test_body_that_is_not_utf8_is_422(client: TestClient) -> None:
    assert_error(post_raw(client, b'{"question": "\xff\xfe"}'), 422, "UTF-8")


def test_deeply_nested_json_is_422_not_a_crash(make_client) -> None:
    client = make_client(max_body_bytes=200_000)
    assert_error(post_raw(client, b"[" * 100_000), 422)


@pytest.mark.parametrize("body", [[QUESTION], QUESTION, 42, None])
def test_json_that_is_not_an_object_is_422(client: TestClient, body: object) -> None:
    assert_error(post_raw(client, json.dumps(body).encode()), 422, "JSON object")


def test_empty_body_is_422(client: TestClient) -> None:
    assert_error(post_raw(client, b""), 422, "body")


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_body_not_sent_as_json_is_422_and_says_so(client: TestClient, content_type) -> None:
    body = json.dumps({"question": QUESTION}).encode()
    assert_error(post_raw(client, body, content_type), 422, "content-type: application/json")


def test_validation_errors_list_each_field_without_echoing_the_input(client: TestClient) -> None:
    response = client.post("/ask", json={"question": "", "top_k": 0})
    body = response.json()
    assert {tuple(e["loc"]) for e in body["errors"]} == {("body", "question"), ("body", "top_k")}
    assert all(set(e) == {"loc", "type", "msg"} for e in body["errors"])


# -- 413 -------------------------------------------------------------------------------------


def test_body_over_the_limit_is_413(make_client) -> None:
    client = make_client(max_body_bytes=1024)
    body = json.dumps({"question": "x" * 2000}).encode()
    assert_error(post_raw(client, body), 413, "1024 bytes")


def test_chunked_body_over_the_limit_is_413(make_client) -> None:
    client = make_client(max_body_bytes=1024)

    def chunks():  # no Content-Length: the size is only known by counting
        yield b'{"question": "'
        for _ in range(40):
            yield b"x" * 100
        yield b'"}'

    response = client.post("/ask", content=chunks(), headers={"content-type": "application/json"})
    assert "content-length" not in response.request.headers
    assert_error(response, 413, "1024 bytes")


def test_body_just_under_the_limit_is_not_413(make_client) -> None:
    client = make_client(max_body_bytes=1024, max_question_chars=2000)
    body = json.dumps({"question": "why " * 200}).encode()
    assert len(body) <= 1024
    assert post_raw(client, body).status_code == 200


def test_oversized_body_is_refused_on_any_route(make_client) -> None:
    client = make_client(max_body_bytes=1024)
    response = client.request("GET", "/health", content=b"x" * 2048)
    assert_error(response, 413)


# -- 404 -------------------------------------------------------------------------------------


def test_unknown_document_is_404(client: TestClient) -> None:
    assert_error(client.get("/documents/no-such-article"), 404, "no-such-article")


@pytest.mark.parametrize(
    "path",
    [
        "/documents/..%2F..%2Fetc%2Fpasswd",
        "/documents/%2e%2e%2fetc%2fpasswd",
        "/documents/..%5C..%5Cwindows%5Cwin.ini",
        "/documents/putin-beijing%00.txt",
        "/documents/%2Fetc%2Fpasswd",
        "/documents/..%2f..%2fetc%2fpasswd",
        "/documents/%252e%252e%252fetc%252fpasswd",
        "/documents/..\\..\\etc\\passwd",
        "/documents/%2E%2E%2F",
        "/documents/x%2F",
    ],
)
def test_path_traversal_is_404(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert_error(response, 404)
    assert "root:" not in response.text


@pytest.mark.parametrize("path", ["/documents/", "/ask/", "/health/", "/documents/%2E%2E%2F"])
def test_no_trailing_slash_redirect(client: TestClient, path: str) -> None:
    # A redirect would be built from the decoded path: `%2E%2E%2F` would send clients to `..`.
    response = client.get(path, follow_redirects=False)
    assert_error(response, 404)
    assert "location" not in response.headers


def test_unknown_route_is_json_404(client: TestClient) -> None:
    assert_error(client.get("/no/such/route"), 404)


def test_wrong_method_is_json_405(client: TestClient) -> None:
    assert_error(client.delete("/ask"), 405)


# -- 503 -------------------------------------------------------------------------------------


@pytest.fixture
def no_index_client(make_client, make_service, tmp_path: Path) -> TestClient:
    return make_client(service=make_service(index_dir=tmp_path / "empty"))


def test_ask_without_an_index_is_503_naming_the_fix(no_index_client: TestClient) -> None:
    response = no_index_client.post("/ask", json={"question": QUESTION})
    assert_error(response, 503, "rag index")


def test_get_ask_without_an_index_is_503(no_index_client: TestClient) -> None:
    assert_error(no_index_client.get("/ask", params={"q": QUESTION}), 503)


def test_documents_without_an_index_are_503(no_index_client: TestClient) -> None:
    assert_error(no_index_client.get("/documents"), 503)


def test_health_without_an_index_is_unavailable_with_the_reason(
    no_index_client: TestClient,
) -> None:
    response = no_index_client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["passages"] == 0
    assert "rag index" in body["detail"]


def test_a_corrupt_index_does_not_stop_startup_and_health_says_why(
    make_client, make_service, index_dir: Path, tmp_path: Path
) -> None:
    broken = copy_index(index_dir, tmp_path / "index")
    generation = (broken / "CURRENT").read_text().strip()
    vectors = broken / generation / "vectors.faiss"
    vectors.write_bytes(vectors.read_bytes()[:100])
    client = make_client(service=make_service(index_dir=broken))
    body = client.get("/health").json()
    assert body["status"] == "unavailable"
    assert "corrupt" in body["detail"]
    assert_error(client.post("/ask", json={"question": QUESTION}), 503, "corrupt")


def test_the_app_loads_the_index_at_startup_not_on_first_request(
    make_client, make_service, index_dir: Path, tmp_path: Path
) -> None:
    service = make_service(index_dir=tmp_path / "later")
    assert not service.ready
    copy_index(index_dir, tmp_path / "later")
    # The app's startup retries the load, so the index that appeared is served at once.
    client = make_client(service=service)
    assert service.ready
    assert client.get("/health").json()["status"] == "ok"


# -- 500: never for client input, and never a traceback ---------------------------------


class ExplodingService:
    """Stands in for QAService: every call fails the way a bug would."""

    def ask(self, question: str, top_k: int = 3):
        raise RuntimeError("secret internal state /srv/app/model.bin")

    def health(self):
        raise RuntimeError("boom")


def test_an_internal_failure_is_a_bare_500_json_without_a_traceback(client: TestClient) -> None:
    client.app.dependency_overrides[get_service] = ExplodingService
    response = client.post("/ask", json={"question": QUESTION})
    assert_error(response, 500)
    assert "secret" not in response.text
    assert "Traceback" not in response.text
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("error", ["overloaded", "closed"])
def test_busy_embedding_engine_is_a_503_with_retry_after(make_client, service, error) -> None:
    from rag.embeddings.batching import BatcherClosedError, BatcherOverloadedError

    class BusyService:
        def __getattr__(self, name):
            return getattr(service, name)

        def ask(self, *args, **kwargs):
            raise {"overloaded": BatcherOverloadedError, "closed": BatcherClosedError}[error](
                "1024 questions are waiting"
            )

    response = make_client(service=BusyService()).post("/ask", json={"question": "why?"})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert "busy" in response.json()["detail"]
