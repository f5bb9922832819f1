"""Hostile input, generated: no request makes the API answer 500, and none hangs.

Two generators, in process (no sockets):

* schemathesis derives requests for every operation in the app's own OpenAPI
  schema, valid and invalid ones, and checks each answer against that schema:
  no 5xx, a documented status, content type, headers and body shape, invalid
  data refused, and the admin key really checked.
* hypothesis strategies aimed at what a schema cannot say: invalid UTF-8,
  control characters, bidi overrides, zero-width characters, very long tokens,
  JSON of the wrong type, `top_k` extremes, bodies over the limit (declared or
  chunked), traversal in `/documents/{id}`, odd Accept and other headers, and
  the routes the schema leaves out (`/`, `/widget.js`, `/docs`).

Every request runs under `HANG_SECONDS`: one that has not answered by then
fails its test as a hang instead of blocking the run. Each test runs twice:
`[fast]`, a bounded number of examples for `make test`, and `[soak]`, many
more, for `make soak` (marker `soak`).
"""

from __future__ import annotations

import json
import threading
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pytest
import schemathesis
from conftest import copy_index, hermetic_settings
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi import checks as openapi_checks

from rag.api.app import create_app
from rag.config import Settings
from rag.embeddings import Embedder
from rag.service import QAService

HANG_SECONDS = 30.0  # far above any real answer; only a hang gets near it
EXAMPLES = {"fast": 100, "soak": 1000}
PROFILES = ["fast", pytest.param("soak", marks=pytest.mark.soak)]
ADMIN_KEY = "fuzz-admin-key"
API_KEY = "fuzz-api-key"  # only in the app of the API-key test
QUESTION = "why does China need Russia?"
KNOWN_DOCUMENTS = {"putin-beijing", "widget-security"}


def fuzz_settings(**paths: object) -> Settings:
    # A public deployment (no API key, no rate limit) with the admin endpoint enabled.
    return hermetic_settings(admin_key=ADMIN_KEY, **paths)


LIMITS = fuzz_settings()
SCHEMA_DICT = create_app(LIMITS).openapi()
SCHEMA = schemathesis.openapi.from_dict(SCHEMA_DICT)


def _can_be_invalid(operation: Any) -> bool:
    # Negative examples need something to get wrong beyond a plain string path parameter.
    return bool(operation.body) or any(
        p.location.value != "path" for p in operation.iter_parameters()
    )


OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
SCHEMA_CASES = [
    pytest.param(op, mode, id=f"{op.method.upper()} {op.path} {mode.value}")
    for op in OPERATIONS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if mode is GenerationMode.POSITIVE or _can_be_invalid(op)
]
# The question rules (no control characters, not blank once invisible characters go) are
# stricter than JSON Schema can state, so a "schema-valid" question may rightly get a 422:
# positive_data_acceptance is left out. Those rules have their own tests below and in
# test_api_errors.py.
SCHEMA_CHECKS = [
    not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_headers_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.negative_data_rejection,
    openapi_checks.ignored_auth,
]


# -- the app under test, and a time bound on every request ------------------------------


@pytest.fixture(scope="module")
def fuzz_app(
    corpus_dir: Path, index_dir: Path, embedder: Embedder, tmp_path_factory
) -> Iterator[FastAPI]:
    # A copy: with the admin key, generated PUT and DELETE /documents calls really write.
    index = tmp_path_factory.mktemp("fuzz-index") / "index"
    copy_index(index_dir, index)
    limits = fuzz_settings(seeds_dir=corpus_dir, index_dir=index)
    service = QAService(limits, embedder=embedder)  # private: the admin reload may swap it
    service.load()
    yield create_app(limits, service=service)
    service.close()


@pytest.fixture(scope="module")
def fuzz_client(fuzz_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(fuzz_app) as client:
        yield client


def bounded(send: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run one request in a daemon thread; no answer within HANG_SECONDS fails as a hang."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["response"] = send(*args, **kwargs)
        except BaseException as exc:  # handed to the test thread below
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(HANG_SECONDS)
    if thread.is_alive():
        raise AssertionError(f"no answer within {HANG_SECONDS:.0f} s: the request hangs")
    if "error" in box:
        raise box["error"]
    return box["response"]


def check_examples(profile: str, strategy: st.SearchStrategy, check: Callable[[Any], None]):
    """Run `check` on `EXAMPLES[profile]` values drawn from `strategy`."""

    @settings(
        max_examples=EXAMPLES[profile],
        deadline=None,  # time is bounded per request instead; nothing asserts on speed
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(strategy)
    def run(value: Any) -> None:
        check(value)

    run()


def assert_clear_error(response, *statuses: int) -> dict:
    assert response.status_code in statuses, (response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def post_ask(client: TestClient, body: bytes, **headers: str):
    return bounded(
        client.post, "/ask", content=body, headers={"content-type": "application/json", **headers}
    )


# -- schemathesis: every operation of the OpenAPI schema ----------------------------------


def test_the_fuzzed_schema_is_the_apps_own(fuzz_client: TestClient) -> None:
    assert fuzz_client.get("/openapi.json").json() == SCHEMA_DICT


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize(("operation", "mode"), SCHEMA_CASES)
def test_schema_driven_requests_get_documented_answers(
    fuzz_app: FastAPI, operation: Any, mode: GenerationMode, profile: str
) -> None:
    def check(case: Any) -> None:
        response = bounded(case.call, app=fuzz_app)
        case.validate_response(response, checks=SCHEMA_CHECKS)

    check_examples(profile, operation.as_strategy(generation_mode=mode), check)


@pytest.fixture(scope="module")
def keyed_schema(corpus_dir: Path, index_dir: Path, service: QAService) -> Any:
    """The schema of an app with RAG_API_KEY set, loaded from the app itself."""
    limits = fuzz_settings(seeds_dir=corpus_dir, index_dir=index_dir, api_key=API_KEY)
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(limits, service=service))


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("method", ["POST", "GET"])
def test_with_an_api_key_set_ask_refuses_requests_without_it(
    keyed_schema: Any, method: str, profile: str
) -> None:
    # Requests carry the key; the ignored_auth check resends each without it and with a
    # wrong one, and fails unless both are refused.
    def check(case: Any) -> None:
        headers = {"X-API-Key": API_KEY}
        bounded(case.call_and_validate, headers=headers, checks=SCHEMA_CHECKS)

    check_examples(profile, keyed_schema["/ask"][method].as_strategy(), check)


# -- the question: hostile text -----------------------------------------------------------

CONTROLS = [
    chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)]
]
BIDI = list("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
ZERO_WIDTH = list("\u200b\u200c\u200d\u2060\ufeff\u00ad")
WORDS = ["why", "China", "Russia", "need", "الصين", "روسيا", "لماذا", "تحتاج", "?", "؟", "<script>"]

hostile_piece = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(CONTROLS + BIDI + ZERO_WIDTH + [" ", "\t", "\n", "\r", "\u3000"]),
    st.text(min_size=1, max_size=20),
    # Very long tokens: one "word" of up to the whole length limit.
    st.builds(lambda c, n: c * n, st.sampled_from(["a", "ب", "😀", "\u0301"]), st.integers(1, 600)),
)
hostile_question = st.lists(hostile_piece, min_size=1, max_size=12).map("".join)


def _allowed_in_a_clean_question(char: str) -> bool:
    category = unicodedata.category(char)
    return category not in {"Cf", "Cs"} and (category != "Cc" or char in "\t\n\r")


@pytest.mark.parametrize("profile", PROFILES)
def test_hostile_questions_are_answered_clean_or_refused(
    fuzz_client: TestClient, profile: str
) -> None:
    def check(question: str) -> None:
        body = json.dumps({"question": question}).encode()
        response = post_ask(fuzz_client, body)
        if response.status_code == 200:
            echoed = response.json()["question"]
            assert echoed and echoed == echoed.strip()
            assert all(_allowed_in_a_clean_question(c) for c in echoed), ascii(echoed)
        elif response.status_code == 422:
            assert "question" in assert_clear_error(response, 422)["detail"]
        else:
            assert_clear_error(response, 413)  # many escaped characters: over the body limit

    check_examples(profile, hostile_question, check)


@pytest.mark.parametrize("profile", PROFILES)
def test_hostile_get_questions_are_answered_or_refused(
    fuzz_client: TestClient, profile: str
) -> None:
    def check(question: str) -> None:
        response = bounded(fuzz_client.get, "/ask", params={"q": question})
        if response.status_code != 200:
            assert_clear_error(response, 422)

    check_examples(profile, hostile_question, check)


@pytest.mark.parametrize("profile", PROFILES)
def test_percent_encoded_bytes_in_the_query_are_never_a_crash(
    fuzz_client: TestClient, profile: str
) -> None:
    # Raw bytes, invalid UTF-8 included, exactly as a hostile client can put them in a URL.
    def check(raw: tuple[bytes, bytes]) -> None:
        q, top_k = (quote(part, safe="") for part in raw)
        response = bounded(fuzz_client.get, f"/ask?q={q}&top_k={top_k}")
        if response.status_code != 200:
            assert_clear_error(response, 422)

    check_examples(profile, st.tuples(st.binary(max_size=200), st.binary(max_size=12)), check)


# -- the body: wrong JSON types, top_k extremes, bytes that are not JSON ---------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
top_k_values = st.one_of(
    st.sampled_from([0, -1, 10**9, -(10**9), 10**30, 1.5, 3.0, float("inf"), "3", "", True]),
    st.integers(-(10**12), 10**12),
    json_values,
)


def valid_top_k(value: object) -> bool:
    return type(value) is int and 1 <= value <= LIMITS.max_top_k


@pytest.mark.parametrize("profile", PROFILES)
def test_top_k_is_accepted_exactly_when_it_is_an_integer_in_range(
    fuzz_client: TestClient, profile: str
) -> None:
    def check(top_k: object) -> None:
        # json.dumps writes inf as `Infinity`, which is not JSON: a 422 all the same.
        body = json.dumps({"question": QUESTION, "top_k": top_k}).encode()
        response = post_ask(fuzz_client, body)
        if valid_top_k(top_k):
            assert response.status_code == 200, response.text
            assert len(response.json()["passages"]) == top_k
        else:
            assert_clear_error(response, 422)

    check_examples(profile, top_k_values, check)


@pytest.mark.parametrize("profile", PROFILES)
def test_any_json_document_gets_an_answer_or_a_clear_422(
    fuzz_client: TestClient, profile: str
) -> None:
    shapes = st.one_of(
        json_values,
        st.fixed_dictionaries({"question": json_values, "top_k": json_values}),
        st.fixed_dictionaries({"question": st.text(max_size=50)}, optional={"top_k": json_values}),
    )

    def check(document: object) -> None:
        response = post_ask(fuzz_client, json.dumps(document).encode())
        if response.status_code != 200:
            assert_clear_error(response, 413, 422)

    check_examples(profile, shapes, check)


def not_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


@pytest.mark.parametrize("profile", PROFILES)
def test_a_body_that_is_not_utf8_is_422(fuzz_client: TestClient, profile: str) -> None:
    bodies = st.one_of(
        st.binary(min_size=1, max_size=300).filter(not_utf8),
        # Valid JSON around an invalid byte sequence in the question.
        st.binary(min_size=1, max_size=30)
        .filter(not_utf8)
        .map(lambda raw: b'{"question": "' + raw + b'"}'),
    )
    check_examples(
        profile, bodies, lambda body: assert_clear_error(post_ask(fuzz_client, body), 422)
    )


# -- bodies over the limit ------------------------------------------------------------------

# A declared Content-Length is refused on any route before a byte is read. A chunked body
# is counted as it is read, so it is refused where the route reads a body (POST /ask); other
# routes never read it, so it is never buffered either.
DECLARED_ROUTES = [("POST", "/ask"), ("GET", "/ask"), ("GET", "/health"), ("POST", "/admin/reload")]


def chunks_of(body: bytes, sizes: list[int]) -> Iterator[bytes]:
    start = 0
    for size in sizes:
        yield body[start : start + size]
        start += size
    yield body[start:]


@pytest.mark.parametrize("profile", PROFILES)
def test_any_body_over_the_limit_is_413(fuzz_client: TestClient, profile: str) -> None:
    limit = LIMITS.max_body_bytes
    oversized = st.tuples(
        st.one_of(
            st.tuples(st.sampled_from(DECLARED_ROUTES), st.just(False)),
            st.just((("POST", "/ask"), True)),  # chunked: no Content-Length
        ),
        st.integers(limit + 1, 4 * limit),
        st.lists(st.integers(1, 8192), max_size=12),
    )

    def check(args: tuple) -> None:
        ((method, path), chunked), size, sizes = args
        body = (b'{"question": "' + b"x" * size)[:size]
        content = chunks_of(body, sizes) if chunked else body
        response = bounded(fuzz_client.request, method, path, content=content)
        assert ("content-length" not in response.request.headers) == chunked
        assert f"{limit} bytes" in assert_clear_error(response, 413)["detail"]

    check_examples(profile, oversized, check)


# -- /documents/{id}: traversal and odd ids --------------------------------------------------

TRAVERSALS = ["../", "..\\", "..", ".", "/", "\\", "\x00", "%", "etc/passwd", "..%2f", "%2e"]


def encodings(doc_id: str) -> st.SearchStrategy[str]:
    """How a hostile client may spell an id in a URL: every byte, the usual, or twice over.

    A bare `.` or `..` segment is left out: the HTTP client itself would resolve it
    before sending (the real server gets raw ones in test_api_hostile_http.py).
    """
    spellings = [
        "".join(f"%{b:02X}" for b in doc_id.encode("utf-8")),
        quote(doc_id, safe=""),
        quote(quote(doc_id, safe=""), safe=""),
        quote(doc_id, safe="%\\"),
    ]
    return st.sampled_from([s for s in spellings if s not in {".", ".."}])


document_ids = st.one_of(
    st.lists(st.sampled_from(TRAVERSALS + sorted(KNOWN_DOCUMENTS)), min_size=1, max_size=8).map(
        "".join
    ),
    st.text(min_size=1, max_size=60),
)


@pytest.mark.parametrize("profile", PROFILES)
def test_a_document_id_names_a_document_or_is_404(fuzz_client: TestClient, profile: str) -> None:
    def check(path: str) -> None:
        response = bounded(fuzz_client.get, f"/documents/{path}")
        # The server decodes the path once: only a spelling of a real id reaches a document.
        if unquote(path) in KNOWN_DOCUMENTS:
            assert response.status_code == 200
            assert response.json()["id"] == unquote(path)
        else:
            assert response.status_code == 404, ascii(path)
            assert_clear_error(response, 404)
            assert "root:" not in response.text

    check_examples(profile, document_ids.flatmap(encodings), check)


# -- headers: Accept, and the ones the widget and operators send ------------------------------

# Bytes, so that values beyond ASCII (obs-text, as HTTP allows) go out as they are.
header_value = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=80
).map(lambda text: text.encode("latin-1"))
media_range = st.builds(
    "{}/{}{}".format,
    st.sampled_from(["text", "application", "*", "image", "", "TEXT", "x"]),
    st.sampled_from(["html", "json", "*", "xhtml+xml", "", "plain"]),
    st.sampled_from(
        ["", ";q=0", ";q=1", ";q=0.5", ";q=nan", ";q=-1", ";q=1e999", ";q=", ";;", ";q"]
    ),
)
accept_headers = st.one_of(
    header_value, st.lists(media_range, max_size=6).map(lambda ranges: ", ".join(ranges).encode())
)
PUBLIC_PAGES = [
    "/documents",
    "/documents/putin-beijing",
    "/documents/widget-security",
    "/documents/no-such-doc",
    "/health",
    "/widget.js",
    "/",
    "/docs",
    "/openapi.json",
    f"/ask?q={quote(QUESTION)}",
]


@pytest.mark.parametrize("profile", PROFILES)
def test_any_accept_header_gets_an_answer(fuzz_client: TestClient, profile: str) -> None:
    def check(args: tuple[str, bytes]) -> None:
        path, accept = args
        response = bounded(fuzz_client.get, path, headers={"accept": accept})
        assert response.status_code < 500, response.text[:500]
        if path.startswith("/documents/") and response.status_code == 200:
            kind = response.headers["content-type"]
            assert kind.startswith(("application/json", "text/html")), kind

    check_examples(profile, st.tuples(st.sampled_from(PUBLIC_PAGES), accept_headers), check)


@pytest.mark.parametrize("profile", PROFILES)
def test_odd_request_headers_are_never_a_server_error(
    fuzz_client: TestClient, profile: str
) -> None:
    names = st.sampled_from(
        ["origin", "x-api-key", "x-admin-key", "content-type", "x-forwarded-for", "if-none-match"]
    )
    requests = st.tuples(
        st.sampled_from([("POST", "/ask"), ("POST", "/admin/reload"), ("GET", "/widget.js")]),
        st.dictionaries(names, header_value, max_size=4),
    )

    def check(args: tuple) -> None:
        (method, path), headers = args
        body = json.dumps({"question": QUESTION}).encode() if method == "POST" else None
        response = bounded(fuzz_client.request, method, path, content=body, headers=headers)
        assert response.status_code < 500, response.text[:500]

    check_examples(profile, requests, check)
