"""PUT and DELETE /documents/{id}: admin key, incremental updates, bad bodies, races."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import hermetic_settings
from fastapi.testclient import TestClient
from helpers import HashEmbedder, build, patch_embedder, write_seeds
from pages import AR_PARAGRAPHS, EN_PARAGRAPHS, arabic_page, english_page

from rag.api.app import create_app
from rag.cli import main
from rag.index.builder import BUILD_RULES, build_index
from rag.index.store import IndexStore
from rag.service import QAService

KEY = {"X-Admin-Key": "sesame"}
HTML = {"Content-Type": "text/html; charset=utf-8"} | KEY
TEXT = {"Content-Type": "text/plain"} | KEY
MARKDOWN = {"Content-Type": "text/markdown"} | KEY


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[TestClient, QAService, HashEmbedder, Path]]:
    seeds = write_seeds(tmp_path / "seeds")
    index = tmp_path / "index"
    build(seeds, index, HashEmbedder())
    embedder = HashEmbedder()
    settings = hermetic_settings(
        seeds_dir=seeds, index_dir=index, admin_key="sesame", max_document_bytes=200_000
    )
    service = QAService(settings, embedder=embedder)
    service.load()
    with TestClient(create_app(settings, service=service)) as client:
        yield client, service, embedder, seeds
    service.close()


def generation(service: QAService) -> str:
    return service.health().index


def test_document_api_is_off_without_an_admin_key(tmp_path: Path):
    seeds = write_seeds(tmp_path / "seeds")
    build(seeds, tmp_path / "index", HashEmbedder())
    settings = hermetic_settings(index_dir=tmp_path / "index")
    service = QAService(settings, embedder=HashEmbedder())
    with TestClient(create_app(settings, service=service)) as client:
        response = client.put("/documents/x", content=english_page(), headers=HTML)
        assert response.status_code == 404
        assert client.delete("/documents/rivers", headers=KEY).status_code == 404
    assert "x" not in service.snapshot().index.documents
    service.close()


def test_wrong_admin_key_is_403(setup):
    client, service, _, _ = setup
    before = generation(service)
    headers = HTML | {"X-Admin-Key": "guess"}
    assert client.put("/documents/x", content=english_page(), headers=headers).status_code == 403
    assert client.delete("/documents/rivers", headers={"X-Admin-Key": "x"}).status_code == 403
    assert generation(service) == before


def test_put_html_embeds_only_that_article(setup):
    client, service, embedder, _ = setup
    url = "https://news.example/chips"
    response = client.put(f"/documents/chips?url={url}", content=english_page(), headers=HTML)
    assert response.status_code == 200, response.text
    assert response.json()["embedded"] == ["chips"]
    # Its paragraphs and sentences, nothing of the three other documents.
    assert embedder.passage_texts
    assert all(any(t in p for p in EN_PARAGRAPHS) for t in embedder.passage_texts)
    doc = client.get("/documents/chips").json()
    assert (doc["published"], doc["source_url"]) == ("2024-05-14", url)
    assert [p["text"] for p in doc["paragraphs"]] == list(EN_PARAGRAPHS)
    assert response.json()["generation"] == generation(service)


def test_put_document_is_answered_with_its_date(setup):
    client, _, _, _ = setup
    client.put("/documents/chips", content=english_page(), headers=HTML)
    body = client.post("/ask", json={"question": "semiconductor export data subsidies"}).json()
    citation = body["passages"][0]["citation"]
    assert citation["document"] == "chips"
    assert citation["published"] == "2024-05-14"


def test_put_replaces_and_delete_removes(setup):
    client, service, _, _ = setup
    client.put("/documents/visit", content=arabic_page(), headers=HTML)
    assert [p.text for p in service.document("visit").passages] == list(AR_PARAGRAPHS)
    text = "Visit update\n\nThe visit was cut short by a day because of the weather in Beijing.\n"
    response = client.put("/documents/visit?published=2024-05-17", content=text, headers=TEXT)
    assert response.status_code == 200, response.text
    assert "cut short" in service.document("visit").passages[0].text
    assert client.get("/documents/visit").json()["published"] == "2024-05-17"
    response = client.delete("/documents/visit", headers=KEY)
    assert response.status_code == 200
    assert client.get("/documents/visit").status_code == 404
    assert client.delete("/documents/visit", headers=KEY).status_code == 404


def test_put_markdown_body(setup):
    client, service, _, _ = setup
    body = "## Background\n\nThe dams were built in the 1960s to hold back the spring floods.\n"
    response = client.put("/documents/dams?title=Dams", content=body, headers=MARKDOWN)
    assert response.status_code == 200, response.text
    doc = service.document("dams")
    assert doc.title.text == "Dams"
    assert doc.passages[0].section == "Background"


@pytest.mark.parametrize(
    ("path", "body", "headers", "status", "detail"),
    [
        ("/documents/x", b"", HTML, 422, "empty"),
        ("/documents/x", b"%PDF-1.4\x00\x01\x02", HTML, 422, "binary"),
        ("/documents/x", b"<html><nav>Home</nav></html>", HTML, 422, "no article text"),
        ("/documents/x", b"{}", {"Content-Type": "application/json"} | KEY, 415, "text/html"),
        ("/documents/x?published=yesterday", english_page().encode(), HTML, 422, "ISO 8601"),
        ("/documents/x?url=javascript:alert(1)", english_page().encode(), HTML, 422, "url"),
        ("/documents/.hidden", english_page().encode(), HTML, 422, "document id"),
        ("/documents/x", b"x" * 200_001, HTML, 413, "larger than"),
    ],
)
def test_bad_body_is_4xx_and_leaves_the_index(setup, path, body, headers, status, detail):
    client, service, _, _ = setup
    before = generation(service)
    response = client.put(path, content=body, headers=headers)
    assert response.status_code == status, response.text
    assert detail in response.json()["detail"]
    assert generation(service) == before
    assert IndexStore(service.settings.index_dir).current_path().name == before


def test_deleting_the_last_document_is_refused(setup):
    client, service, _, _ = setup
    for doc_id in ("chip-pact", "putin-beijing"):
        assert client.delete(f"/documents/{doc_id}", headers=KEY).status_code == 200
    response = client.delete("/documents/rivers", headers=KEY)
    assert response.status_code == 409
    assert "rivers" in service.snapshot().index.documents


def test_two_concurrent_puts_both_land(setup):
    client, service, _, _ = setup
    results: dict[str, int] = {}

    def put(doc_id: str, page: str) -> None:
        results[doc_id] = client.put(f"/documents/{doc_id}", content=page, headers=HTML).status_code

    threads = [
        threading.Thread(target=put, args=("chips", english_page())),
        threading.Thread(target=put, args=("visit", arabic_page())),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert results == {"chips": 200, "visit": 200}
    assert {"chips", "visit"} <= set(service.snapshot().index.documents)
    assert {"chips", "visit"} <= set(IndexStore(service.settings.index_dir).load().documents)


def test_update_equals_a_full_rebuild(setup):
    client, service, _, seeds = setup
    client.put("/documents/chips", content=english_page(), headers=HTML)
    client.delete("/documents/rivers", headers=KEY)
    store = IndexStore(service.settings.index_dir)
    manifest = store.read_manifest()
    assert manifest["rules"] == BUILD_RULES and store.load().calibration is not None
    # The builder finds nothing to do: the pushed and deleted documents are its own view too.
    report = build_index(seeds, store, HashEmbedder())
    assert report.unchanged
    assert "chips" in report.reused and "rivers" not in report.reused


def test_rag_index_keeps_pushed_documents(setup, monkeypatch):
    client, service, _, seeds = setup
    client.put("/documents/chips", content=english_page(), headers=HTML)
    (seeds / "extra.en.txt").write_text(
        "Extra\n\nA new seed article arrived with a long paragraph about harbours and ships.\n"
    )
    patch_embedder(monkeypatch, HashEmbedder())
    index = str(service.settings.index_dir)
    result = CliRunner().invoke(main, ["index", "--seeds", str(seeds), "--index", index])
    assert result.exit_code == 0, result.output
    assert {"chips", "extra"} <= set(IndexStore(Path(index)).load().documents)
