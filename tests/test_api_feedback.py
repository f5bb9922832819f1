"""POST /feedback: one vote per answer per client, stored next to the question."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from fastapi.testclient import TestClient

from rag.newsroom.store import FILENAME

QUESTION = "why does China need Russia?"


def answer_id(client: TestClient, **headers: str) -> str:
    response = client.post("/ask", json={"question": QUESTION}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["id"]


def vote(client: TestClient, id: str, helpful: bool = True, **extra: object):
    return client.post("/feedback", json={"id": id, "helpful": helpful, **extra})


def votes(client: TestClient, folder: Path) -> list[tuple]:
    assert client.app.state.question_log.flush()
    with sqlite3.connect(folder / FILENAME) as conn:
        return conn.execute(
            "SELECT f.question_id, q.question, f.helpful, f.comment FROM feedback f "
            "JOIN questions q ON q.id = f.question_id"
        ).fetchall()


def test_a_vote_is_stored_next_to_its_question(make_client, tmp_path: Path) -> None:
    client = make_client(data_dir=tmp_path)
    id = answer_id(client)
    response = vote(client, id, False, comment="the quote is about something else")
    assert response.status_code == 202
    assert response.json()["id"] == id
    assert votes(client, tmp_path) == [(id, QUESTION, 0, "the quote is about something else")]


def test_a_second_vote_replaces_the_first(make_client, tmp_path: Path) -> None:
    client = make_client(data_dir=tmp_path)
    id = answer_id(client)
    assert vote(client, id, True).status_code == 202
    assert vote(client, id, False).status_code == 202
    assert votes(client, tmp_path) == [(id, QUESTION, 0, None)]


def test_another_client_has_its_own_vote(make_client, tmp_path: Path) -> None:
    client = make_client(data_dir=tmp_path, trust_proxy=True)
    id = answer_id(client)
    for address in ("198.51.100.1", "198.51.100.2"):
        sent = client.post(
            "/feedback", json={"id": id, "helpful": True}, headers={"x-forwarded-for": address}
        )
        assert sent.status_code == 202
    assert len(votes(client, tmp_path)) == 2


def test_an_unknown_id_is_404(make_client, tmp_path: Path) -> None:
    client = make_client(data_dir=tmp_path)
    response = vote(client, "0123456789abcdef0123456789abcdef")
    assert response.status_code == 404
    assert "no answer" in response.json()["detail"]


def test_an_id_from_before_a_restart_is_known(make_client, tmp_path: Path) -> None:
    first = make_client(data_dir=tmp_path)
    id = answer_id(first)
    assert first.app.state.question_log.flush()
    second = make_client(data_dir=tmp_path)
    assert vote(second, id).status_code == 202


def test_a_malformed_vote_is_422(make_client, tmp_path: Path) -> None:
    client = make_client(data_dir=tmp_path)
    id = answer_id(client)
    assert client.post("/feedback", json={"id": id}).status_code == 422
    assert client.post("/feedback", json={"id": id, "helpful": "yes"}).status_code == 422
    assert client.post("/feedback", json={"id": "../x", "helpful": True}).status_code == 422


def test_a_comment_passes_the_question_gate(make_client, tmp_path: Path) -> None:
    client = make_client(data_dir=tmp_path)
    id = answer_id(client)
    refused = vote(client, id, comment="bad\x00byte")
    assert refused.status_code == 422
    assert "comment" in refused.json()["detail"]
    assert vote(client, id, comment="wrong \u202equote").status_code == 202
    assert votes(client, tmp_path)[0][3] == "wrong quote"


def test_feedback_is_rate_limited_like_ask(make_client, tmp_path: Path) -> None:
    client = make_client(data_dir=tmp_path, rate_limit=1)
    id = answer_id(client)
    limited = vote(client, id)
    assert limited.status_code == 429
    assert "Retry-After" in limited.headers


def test_feedback_needs_the_api_key_when_ask_does(make_client, tmp_path: Path) -> None:
    client = make_client(data_dir=tmp_path, api_key="k-1")
    id = answer_id(client, **{"x-api-key": "k-1"})
    assert vote(client, id).status_code == 401
    sent = client.post("/feedback", json={"id": id, "helpful": True}, headers={"x-api-key": "k-1"})
    assert sent.status_code == 202


def test_feedback_is_404_when_the_log_is_off(make_client, tmp_path: Path) -> None:
    client = make_client(data_dir=tmp_path, question_log=False)
    assert vote(client, answer_id(client)).status_code == 404
