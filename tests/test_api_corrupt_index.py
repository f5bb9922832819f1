"""A damaged index on disk: detected at load with a clear error, reported by /health.

test_index.py checks the store's errors; test_api_errors.py a truncated
vectors file at startup. Here: each other kind of damage, as the HTTP app
meets it, at startup and on a reload while a good index is serving.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import copy_index
from fastapi.testclient import TestClient

from rag.index.store import DOCUMENTS, MANIFEST, POINTER, VECTORS, IndexStore

QUESTION = "why does China need Russia?"
ADMIN_KEY = "corrupt-admin-key"


def current(index: Path) -> Path:
    return IndexStore(index).current_path()


def edit_manifest(index: Path, edit: Callable[[dict], object]) -> None:
    path = current(index) / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    edit(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")


def flip_a_byte(index: Path) -> None:
    path = current(index) / DOCUMENTS
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def empty_vectors(index: Path) -> None:
    (current(index) / VECTORS).write_bytes(b"")


# (damage, what /health's detail must say besides naming the fix)
DAMAGE = {
    "flipped byte": (flip_a_byte, "checksum mismatch"),
    "empty vectors file": (empty_vectors, "truncated or corrupt"),
    "manifest count mismatch": (
        lambda i: edit_manifest(i, lambda m: m.update(count=m["count"] + 7)),
        "inconsistent",
    ),
    "manifest of another model": (
        lambda i: edit_manifest(i, lambda m: m.update(model="some-other-model")),
        "some-other-model",
    ),
    "manifest malformed checksum": (
        lambda i: edit_manifest(i, lambda m: m["files"].update({VECTORS: 42})),
        "does not checksum",
    ),
    "manifest not JSON": (
        lambda i: (current(i) / MANIFEST).write_bytes(b'{"format": 1, "mod'),
        "unreadable",
    ),
    "CURRENT is garbage": (
        lambda i: (i / POINTER).write_bytes(b"\x00\xff garbage \n"),
        "damaged",
    ),
}


@pytest.fixture
def own_index(index_dir: Path, tmp_path: Path) -> Path:
    return copy_index(index_dir, tmp_path / "index")


@pytest.fixture
def serving(make_client, make_service, own_index: Path) -> TestClient:
    """An app serving a good copy of the shared index, with the admin reload enabled."""
    return make_client(service=make_service(index_dir=own_index), admin_key=ADMIN_KEY)


def reload(client: TestClient):
    return client.post("/admin/reload", headers={"x-admin-key": ADMIN_KEY})


@pytest.mark.parametrize("kind", DAMAGE)
def test_a_damaged_index_at_startup_is_reported_by_health(
    kind: str, make_client, make_service, own_index: Path
) -> None:
    damage, says = DAMAGE[kind]
    damage(own_index)
    client = make_client(service=make_service(index_dir=own_index))
    response = client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable" and body["index"] is None
    assert says in body["detail"] and "rag index" in body["detail"]


@pytest.mark.parametrize("kind", DAMAGE)
def test_a_damaged_index_at_startup_makes_ask_503(
    kind: str, make_client, make_service, own_index: Path
) -> None:
    DAMAGE[kind][0](own_index)
    client = make_client(service=make_service(index_dir=own_index))
    response = client.post("/ask", json={"question": QUESTION})
    assert response.status_code == 503
    assert "rag index" in response.json()["detail"]


@pytest.mark.parametrize("kind", DAMAGE)
def test_reloading_a_damaged_index_is_409_and_health_shows_why(
    kind: str, serving: TestClient, own_index: Path
) -> None:
    damage, says = DAMAGE[kind]
    before = serving.get("/health").json()
    damage(own_index)
    assert reload(serving).status_code == 409
    after = serving.get("/health")
    assert after.status_code == 200
    body = after.json()
    assert (body["status"], body["index"]) == ("ok", before["index"])
    assert body["detail"].startswith("reload failed") and says in body["detail"]


def test_the_old_index_answers_after_a_failed_reload(serving: TestClient, own_index: Path) -> None:
    expected = serving.post("/ask", json={"question": QUESTION}).json()
    flip_a_byte(own_index)
    reload(serving)
    answer = serving.post("/ask", json={"question": QUESTION}).json()
    assert answer["passages"] == expected["passages"]


def test_a_good_reload_clears_the_reported_error(serving: TestClient, own_index: Path) -> None:
    pointer = (own_index / POINTER).read_bytes()
    (own_index / POINTER).write_bytes(b"gen-missing\n")
    assert reload(serving).status_code == 409
    (own_index / POINTER).write_bytes(pointer)
    assert reload(serving).status_code == 200
    assert serving.get("/health").json()["detail"] is None
