"""`rag serve` with RAG_LOG_FORMAT=json: one JSON line per request, with its X-Request-ID."""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


def json_lines(log: Path) -> list[dict]:
    lines = []
    for line in log.read_text(encoding="utf-8").splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            pytest.fail(f"a log line that is not JSON: {line!r}")
    return lines


def test_rag_serve_writes_one_json_line_per_request(
    serve_index, index_dir: Path, tmp_path: Path
) -> None:
    base_url, _ = serve_index(index_dir, RAG_LOG_FORMAT="json", RAG_RATE_LIMIT="0")
    request = urllib.request.Request(
        f"{base_url}/ask",
        data=json.dumps({"question": "why does China need Russia?"}).encode(),
        headers={"content-type": "application/json", "x-request-id": "trace-7"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.headers["x-request-id"] == "trace-7"
    [log] = tmp_path.glob("server-*.log")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        asks = [line for line in json_lines(log) if line.get("request_id") == "trace-7"]
        if asks:
            break
        time.sleep(0.2)
    assert [(a["method"], a["route"], a["status"]) for a in asks] == [("POST", "/ask", 200)]
    assert all("client" not in line for line in json_lines(log))
