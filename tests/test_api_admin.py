"""POST /admin/reload: an operator swaps in a rebuilt index without a restart."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import copy_index, write_corpus
from fastapi.testclient import TestClient

from rag.index.builder import build_index
from rag.index.store import IndexStore

ADMIN_KEY = "admin-s3cret"
NEW_DOC = """\
Gardening

Growing tomatoes on a balcony

Tomatoes need at least six hours of direct sunlight a day, deep pots and regular watering, \
so a south-facing balcony is the best place to grow them in a city flat.

By Sam Lee, Garden Weekly
"""


@pytest.fixture
def own_index(index_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the shared index, free to rebuild or break."""
    return copy_index(index_dir, tmp_path / "index")


@pytest.fixture
def admin_client(make_client, make_service, own_index: Path) -> TestClient:
    return make_client(service=make_service(index_dir=own_index), admin_key=ADMIN_KEY)


def rebuild_with_new_document(index: Path, workdir: Path, embedder) -> str:
    corpus = write_corpus(workdir / "corpus")
    (corpus / "tomatoes.en.txt").write_text(NEW_DOC, encoding="utf-8")
    return build_index(corpus, IndexStore(index), embedder).generation


def reload(client: TestClient, key: str | None = ADMIN_KEY):
    return client.post("/admin/reload", headers={"x-admin-key": key} if key else {})


def test_reload_is_404_when_no_admin_key_is_configured(client: TestClient) -> None:
    assert reload(client).status_code == 404


def test_reload_without_the_key_is_403(admin_client: TestClient) -> None:
    assert reload(admin_client, key=None).status_code == 403


def test_reload_with_a_wrong_key_is_403(admin_client: TestClient) -> None:
    response = reload(admin_client, key="admin-s3creT")
    assert response.status_code == 403
    assert "X-Admin-Key" in response.json()["detail"]


def test_reload_serves_the_rebuilt_index(
    admin_client: TestClient, own_index: Path, tmp_path: Path, embedder
) -> None:
    before = admin_client.get("/health").json()
    generation = rebuild_with_new_document(own_index, tmp_path, embedder)
    response = reload(admin_client)
    assert response.status_code == 200
    body = response.json()
    assert (body["generation"], body["previous"]) == (generation, before["index"])
    assert body["documents"] == before["documents"] + 1
    assert admin_client.get("/health").json()["index"] == generation
    assert admin_client.get("/documents/tomatoes").status_code == 200


def test_a_failed_reload_is_409_and_the_old_index_keeps_serving(
    admin_client: TestClient, own_index: Path
) -> None:
    before = admin_client.get("/health").json()["index"]
    (own_index / "CURRENT").write_text("gen-that-does-not-exist\n")
    response = reload(admin_client)
    assert response.status_code == 409
    assert before in response.json()["detail"]
    assert admin_client.get("/health").json()["index"] == before
    ask = admin_client.post("/ask", json={"question": "why does China need Russia?"})
    assert ask.status_code == 200


def test_reload_brings_up_an_index_built_after_startup(
    make_client, make_service, tmp_path: Path, embedder
) -> None:
    index = tmp_path / "late-index"
    client = make_client(service=make_service(index_dir=index), admin_key=ADMIN_KEY)
    assert client.get("/health").status_code == 503
    rebuild_with_new_document(index, tmp_path, embedder)
    assert reload(client).status_code == 200
    assert client.get("/health").json()["status"] == "ok"
    assert (
        client.post("/ask", json={"question": "how much sun do tomatoes need?"}).status_code == 200
    )
