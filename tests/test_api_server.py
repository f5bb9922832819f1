"""The real server: `rag serve` as a subprocess on 127.0.0.1, asked over HTTP."""

from __future__ import annotations

import json
import signal
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from conftest import copy_index, write_corpus

from rag.index.builder import build_index
from rag.index.store import IndexStore

pytestmark = pytest.mark.e2e

EXPECTED = "كثقل موازن"


def get_json(url: str) -> tuple[int, dict]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, json.loads(response.read())


def post_json(url: str, payload: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode("utf-8"),
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, json.loads(response.read())


@pytest.mark.parametrize(
    "question", ["why does China need Russia?", "لماذا تحتاج الصين إلى روسيا؟"]
)
def test_real_server_answers_over_http_post(live_server: str, question: str) -> None:
    status, body = post_json(f"{live_server}/ask", {"question": question})
    assert status == 200
    assert body["question"] == question
    assert EXPECTED in body["passages"][0]["text"]


@pytest.mark.parametrize(
    "question", ["why does China need Russia?", "لماذا تحتاج الصين إلى روسيا؟"]
)
def test_real_server_answers_over_http_get(live_server: str, question: str) -> None:
    status, body = get_json(f"{live_server}/ask?q={urllib.parse.quote(question)}&top_k=2")
    assert status == 200
    assert len(body["passages"]) == 2
    assert EXPECTED in body["passages"][0]["text"]


def test_real_server_reports_health(live_server: str) -> None:
    status, body = get_json(f"{live_server}/health")
    assert status == 200
    assert body["status"] == "ok" and body["passages"] > 0 and body["model"]


def test_sighup_swaps_in_a_rebuilt_index(serve_index, index_dir: Path, tmp_path: Path, embedder):
    index = copy_index(index_dir, tmp_path / "index")
    base_url, process = serve_index(index)
    before = get_json(f"{base_url}/health")[1]

    corpus = write_corpus(tmp_path / "corpus")
    (corpus / "extra.en.txt").write_text(
        "Extra\n\nA short extra article\n\nThis extra paragraph exists only to change the "
        "index, so that the server has a new generation to swap in.\n",
        encoding="utf-8",
    )
    generation = build_index(corpus, IndexStore(index), embedder).generation
    process.send_signal(signal.SIGHUP)

    deadline = time.monotonic() + 60
    while get_json(f"{base_url}/health")[1]["index"] != generation:
        assert process.poll() is None, "the server died on SIGHUP"
        assert time.monotonic() < deadline, "the server did not reload on SIGHUP"
        time.sleep(0.2)
    after = get_json(f"{base_url}/health")[1]
    assert after["documents"] == before["documents"] + 1
