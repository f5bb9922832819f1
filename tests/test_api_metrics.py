"""GET /metrics in the Prometheus text format, X-Request-ID, and JSON request lines."""

from __future__ import annotations

import json
import logging
import urllib.request

from conftest import free_port
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

ADMIN = {"x-admin-key": "adm-1"}
QUESTION = "why does China need Russia?"


def scrape(text: str) -> dict[tuple[str, tuple], float]:
    """Every sample, keyed by (name, sorted labels), read by Prometheus' own parser."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def metrics(client: TestClient) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", headers=ADMIN)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return scrape(response.text)


def route(name: str, path: str, status: str, method: str = "POST") -> tuple[str, tuple]:
    return (name, (("method", method), ("route", path), ("status", status)))


def test_requests_are_counted_per_route_and_status(make_client, tmp_path) -> None:
    client = make_client(admin_key="adm-1", data_dir=tmp_path)
    for _ in range(2):
        client.post("/ask", json={"question": QUESTION})
    client.post("/ask", json={"question": ""})
    client.get("/documents/no-such-document")
    samples = metrics(client)
    assert samples[route("rag_http_requests_total", "/ask", "200")] == 2
    assert samples[route("rag_http_requests_total", "/ask", "422")] == 1
    assert samples[route("rag_http_requests_total", "/documents/{doc_id}", "404", "GET")] == 1
    assert samples[route("rag_http_request_duration_seconds_count", "/ask", "200")] == 2


def test_answers_and_null_answers_are_counted(make_client, tmp_path) -> None:
    client = make_client(admin_key="adm-1", data_dir=tmp_path)
    client.post("/ask", json={"question": QUESTION})
    client.post("/ask", json={"question": "What is the capital of Brazil?"})
    samples = metrics(client)
    assert samples[("rag_ask_answers_total", (("outcome", "answered"),))] == 1
    assert samples[("rag_ask_answers_total", (("outcome", "null"),))] == 1


def test_the_index_cache_and_batches_are_exported(make_client, tmp_path, service) -> None:
    client = make_client(admin_key="adm-1", data_dir=tmp_path)
    before = metrics(client)
    for _ in range(2):
        client.post("/ask", json={"question": "a question asked twice about the visit"})
    after = metrics(client)
    health = client.get("/health").json()
    assert after[("rag_index_passages", ())] == health["passages"]
    assert after[("rag_index_generation", (("generation", health["index"]),))] == 1
    assert after[("rag_cache_hits_total", ())] == before[("rag_cache_hits_total", ())] + 1
    assert after[("rag_reload_failures_total", ())] == service.reload_failures
    assert ("rag_embedding_batched_questions_total", ()) in after


def test_metrics_need_the_admin_key_by_default(make_client, tmp_path) -> None:
    assert make_client(data_dir=tmp_path).get("/metrics").status_code == 404
    client = make_client(admin_key="adm-1", data_dir=tmp_path)
    assert client.get("/metrics").status_code == 403


def test_metrics_can_be_public_or_off(make_client, tmp_path) -> None:
    assert make_client(metrics="public", data_dir=tmp_path).get("/metrics").status_code == 200
    off = make_client(metrics="off", admin_key="adm-1", data_dir=tmp_path)
    assert off.get("/metrics", headers=ADMIN).status_code == 404


def test_metrics_can_have_their_own_address(make_client, tmp_path) -> None:
    port = free_port()
    client = make_client(metrics_address=f"127.0.0.1:{port}", admin_key="adm-1", data_dir=tmp_path)
    assert client.get("/metrics", headers=ADMIN).status_code == 404
    client.post("/ask", json={"question": QUESTION})
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        samples = scrape(response.read().decode())
    assert samples[route("rag_http_requests_total", "/ask", "200")] == 1


def test_every_response_carries_a_request_id(client: TestClient) -> None:
    first = client.get("/health").headers["x-request-id"]
    second = client.get("/nowhere").headers["x-request-id"]
    assert first and second and first != second


def test_a_sane_client_request_id_is_echoed(client: TestClient) -> None:
    sent = client.get("/health", headers={"x-request-id": "edge-42.a"})
    assert sent.headers["x-request-id"] == "edge-42.a"
    forged = client.get("/health", headers={"x-request-id": "bad id\twith spaces"})
    assert forged.headers["x-request-id"] != "bad id\twith spaces"


def test_json_logs_have_one_line_per_request_with_its_id(make_client, caplog) -> None:
    from rag.api.observe import JsonFormatter

    client = make_client(log_format="json")
    with caplog.at_level(logging.INFO, logger="rag.access"):
        response = client.post("/ask", json={"question": QUESTION})
    [record] = [r for r in caplog.records if r.name == "rag.access"]
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == response.headers["x-request-id"]
    assert (line["method"], line["route"], line["status"]) == ("POST", "/ask", 200)
    assert "client" not in line


def test_text_logs_have_no_request_lines(client: TestClient, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="rag.access"):
        client.get("/health")
    assert not [r for r in caplog.records if r.name == "rag.access"]
