"""The document API on a real `rag serve` with the real model: no failed request while the
generation swaps, and a PUT that returned survives `kill -9`."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from conftest import copy_index, running_server
from pages import EN_PARAGRAPHS, english_page

pytestmark = pytest.mark.e2e

KEY = "sesame"


def request(url: str, method: str = "GET", body: bytes | None = None, **headers: str):
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def put_page(base: str, doc_id: str, page: str) -> tuple[int, dict]:
    return request(
        f"{base}/documents/{doc_id}?url={urllib.parse.quote('https://news.example/' + doc_id)}",
        "PUT",
        page.encode("utf-8"),
        **{"Content-Type": "text/html", "X-Admin-Key": KEY},
    )


def ask(base: str, question: str) -> tuple[int, dict]:
    return request(f"{base}/ask?q={urllib.parse.quote(question)}")


def test_put_survives_kill_9_and_no_request_fails_during_the_swap(tmp_path: Path, index_dir: Path):
    index = tmp_path / "index"
    copy_index(index_dir, index)
    statuses: list[int] = []
    stop = threading.Event()

    with running_server(index, tmp_path, RAG_ADMIN_KEY=KEY, RAG_RATE_LIMIT="0") as (base, proc):

        def keep_asking() -> None:
            deadline = time.monotonic() + 300
            for _ in range(2000):  # bounded in count and in time
                if stop.is_set() or time.monotonic() > deadline:
                    return
                statuses.append(ask(base, "why does China need Russia?")[0])

        asker = threading.Thread(target=keep_asking)
        asker.start()
        try:
            status, body = put_page(base, "chips", english_page())
            time.sleep(0.5)  # a few questions on the new generation too
        finally:
            stop.set()
            asker.join(timeout=120)
        assert status == 200, body
        assert statuses and set(statuses) == {200}
        proc.kill()  # kill -9: no shutdown, no flush
        proc.wait(timeout=30)

    with running_server(index, tmp_path, RAG_RATE_LIMIT="0") as (base, _):
        status, doc = request(f"{base}/documents/chips")
        assert status == 200
        assert [p["text"] for p in doc["paragraphs"]] == list(EN_PARAGRAPHS)
        assert doc["source_url"] == "https://news.example/chips"
        status, body = ask(base, "Which chips does the pact leave out?")
        assert status == 200
        top = body["passages"][0]["citation"]
        assert top["document"] == "chips"
        assert top["published"] == "2024-05-14"
