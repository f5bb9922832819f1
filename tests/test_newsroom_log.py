"""The question log: what one answer leaves in SQLite, privacy, retention, failures."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from fastapi.testclient import TestClient

from rag.newsroom.privacy import ClientHasher
from rag.newsroom.records import AskRecord, CitationRecord, FeedbackRecord
from rag.newsroom.schema import SCHEMA_VERSION, migrate
from rag.newsroom.store import FILENAME, QuestionLog

QUESTION = "why does China need Russia?"
DAY = 86_400.0


def rows(folder: Path, sql: str, *args: object) -> list[tuple]:
    with sqlite3.connect(folder / FILENAME) as conn:
        return conn.execute(sql, args).fetchall()


def ask(client: TestClient, question: str = QUESTION, **extra: object) -> dict:
    response = client.post("/ask", json={"question": question, **extra})
    assert response.status_code == 200, response.text
    return response.json()


def flush(client: TestClient) -> None:
    assert client.app.state.question_log.flush()


def record(id: str, asked_at: float, question: str = QUESTION) -> AskRecord:
    citation = CitationRecord(1, "doc#p1", "doc", True, 0.9)
    return AskRecord(id, asked_at, question, "en", None, True, "g1", 5.0, "c", (citation,))


def test_every_answer_has_an_id(make_client, tmp_path: Path) -> None:
    client = make_client(data_dir=tmp_path)
    first, second = ask(client), ask(client)
    assert first["id"] and second["id"] and first["id"] != second["id"]


def test_the_record_holds_the_answer(make_client, tmp_path: Path) -> None:
    client = make_client(data_dir=tmp_path)
    body = ask(client, top_k=3)
    flush(client)
    [row] = rows(
        tmp_path,
        "SELECT id, question, language, document, answered, generation, latency_ms FROM questions",
    )
    generation = client.get("/health").json()["index"]
    assert row == (body["id"], QUESTION, "en", None, int(body["answer"] is not None), generation,
                   body["took_ms"])  # fmt: skip
    cited = rows(tmp_path, "SELECT rank, passage, in_answer FROM citations ORDER BY rank")
    answer_ranks = set(body["answer"]["citations"]) if body["answer"] else set()
    assert cited == [
        (p["rank"], p["citation"]["id"], int(p["rank"] in answer_ranks)) for p in body["passages"]
    ]


def test_the_document_scope_is_recorded(make_client, tmp_path: Path) -> None:
    client = make_client(data_dir=tmp_path)
    ask(client, document="putin-beijing")
    flush(client)
    assert rows(tmp_path, "SELECT document FROM questions") == [("putin-beijing",)]


def test_an_unanswered_question_is_recorded_as_such(make_client, tmp_path: Path) -> None:
    client = make_client(data_dir=tmp_path)
    body = ask(client, "What is the capital of Brazil?")
    assert body["answer"] is None
    flush(client)
    assert rows(tmp_path, "SELECT answered FROM questions") == [(0,)]


def test_no_address_or_api_key_is_stored(make_client, tmp_path: Path) -> None:
    client = make_client(data_dir=tmp_path, api_key="key-7f3a", trust_proxy=True)
    headers = {"x-api-key": "key-7f3a", "x-forwarded-for": "203.0.113.77"}
    body = client.post("/ask", json={"question": QUESTION}, headers=headers).json()
    client.post("/feedback", json={"id": body["id"], "helpful": True}, headers=headers)
    flush(client)
    with sqlite3.connect(tmp_path / FILENAME) as conn:
        dump = "\n".join(conn.iterdump())
    assert QUESTION in dump  # the dump is the real content
    for secret in ("203.0.113.77", "key-7f3a", "testclient"):
        assert secret not in dump


def test_the_client_hash_rotates_daily() -> None:
    now = [1_700_000_000.0]
    hasher = ClientHasher(clock=lambda: now[0])
    morning = hasher.hash("203.0.113.77")
    now[0] += 60
    assert hasher.hash("203.0.113.77") == morning
    assert hasher.hash("203.0.113.78") != morning
    now[0] += DAY
    assert hasher.hash("203.0.113.77") != morning


def test_yesterdays_salt_is_deleted(tmp_path: Path) -> None:
    now = [1_700_000_000.0]
    log = QuestionLog(tmp_path, 30, clock=lambda: now[0])
    log.open()
    log.hasher.hash("a")
    now[0] += DAY
    log.hasher.hash("a")
    log.purge_soon()
    assert log.flush()
    log.close()
    assert len(rows(tmp_path, "SELECT day FROM salts")) == 1


def test_a_restart_keeps_the_days_hash(tmp_path: Path) -> None:
    first = QuestionLog(tmp_path, 30)
    first.open()
    before = first.hasher.hash("203.0.113.77")
    assert first.flush()
    first.close()
    second = QuestionLog(tmp_path, 30)
    second.open()
    assert second.hasher.hash("203.0.113.77") == before
    second.close()


def test_expired_rows_are_deleted(tmp_path: Path) -> None:
    now = time.time()
    log = QuestionLog(tmp_path, 30, clock=lambda: now)
    log.open()
    log.record(record("old", now - 31 * DAY))
    log.record(record("new", now - 29 * DAY))
    log.vote(FeedbackRecord("old", "c", True, None, now))
    assert log.flush()
    log.purge_soon()
    assert log.flush()
    log.close()
    assert rows(tmp_path, "SELECT id FROM questions") == [("new",)]
    assert rows(tmp_path, "SELECT COUNT(*) FROM citations") == [(1,)]
    assert rows(tmp_path, "SELECT COUNT(*) FROM feedback") == [(0,)]


def test_a_locked_database_still_answers(make_client, tmp_path: Path) -> None:
    client = make_client(data_dir=tmp_path)
    ask(client)
    flush(client)
    blocker = sqlite3.connect(tmp_path / FILENAME, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        body = ask(client, "who wrote this article?")
        assert body["id"]
        flush(client)
        log = client.get("/health").json()["question_log"]
        assert log["status"] == "failing"
        assert "locked" in log["detail"]
        assert log["dropped"] >= 1
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    ask(client, "what did the visit achieve?")
    flush(client)
    assert client.get("/health").json()["question_log"]["status"] == "ok"


def test_an_unopenable_database_still_answers(make_client, tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the data folder should be")
    client = make_client(data_dir=blocked)
    assert ask(client)["id"]
    flush(client)
    health = client.get("/health")
    assert health.status_code == 200
    assert health.json()["question_log"]["status"] == "failing"


def test_a_full_queue_drops_records_and_says_so(tmp_path: Path) -> None:
    log = QuestionLog(tmp_path, 30, max_pending=1)
    for n in range(50):  # no writer started: the queue fills at once
        log.record(record(f"q{n}", time.time()))
    status = log.status()
    assert status.dropped == 49
    assert status.status == "failing"


def test_the_schema_is_migrated_with_a_version(tmp_path: Path) -> None:
    log = QuestionLog(tmp_path, 30)
    log.open()
    log.close()
    assert rows(tmp_path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    with sqlite3.connect(tmp_path / FILENAME) as conn:
        assert migrate(conn) == SCHEMA_VERSION  # a second run has nothing to do


def test_a_newer_schema_is_refused_without_failing_answers(make_client, tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / FILENAME) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    client = make_client(data_dir=tmp_path)
    assert ask(client)["id"]
    log = client.get("/health").json()["question_log"]
    assert log["status"] == "failing" and "newer" in log["detail"]


def test_the_log_can_be_off(make_client, tmp_path: Path) -> None:
    client = make_client(data_dir=tmp_path, question_log=False)
    assert ask(client)["id"]
    assert client.get("/health").json()["question_log"]["status"] == "off"
    assert not (tmp_path / FILENAME).exists()
