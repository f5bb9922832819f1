"""The question log's tables, migrated forward on open; `PRAGMA user_version` is the version.

Each migration runs once, in its own transaction, in order. A database written by
a newer version of the service is refused rather than guessed at.
"""

from __future__ import annotations

import sqlite3

from rag.errors import RagError

MIGRATIONS: tuple[str, ...] = (
    # 1: questions, the passages each one returned, votes, and the day's hash salt.
    """
    CREATE TABLE questions (
        id TEXT PRIMARY KEY,
        asked_at REAL NOT NULL,          -- Unix time, UTC
        question TEXT NOT NULL,
        language TEXT NOT NULL,
        document TEXT,                   -- the scope, when the widget sent one
        answered INTEGER NOT NULL,       -- 0: `answer` was null
        generation TEXT,                 -- the index generation that answered
        latency_ms REAL NOT NULL,
        client TEXT                      -- salted daily hash, never an address or key
    );
    CREATE INDEX questions_asked_at ON questions (asked_at);
    CREATE TABLE citations (
        question_id TEXT NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
        rank INTEGER NOT NULL,
        passage TEXT NOT NULL,           -- citation id, `<document>#p<n>`
        document TEXT NOT NULL,
        in_answer INTEGER NOT NULL,      -- 1: the answer text cites this rank
        score REAL NOT NULL,
        PRIMARY KEY (question_id, rank)
    );
    CREATE TABLE feedback (
        question_id TEXT NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
        client TEXT NOT NULL,
        helpful INTEGER NOT NULL,
        comment TEXT,
        voted_at REAL NOT NULL,
        PRIMARY KEY (question_id, client)
    );
    CREATE TABLE salts (
        day TEXT PRIMARY KEY,            -- UTC date; older salts are deleted
        salt BLOB NOT NULL
    );
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class SchemaError(RagError):
    """The question log was written by a newer version of the service."""


def version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database to SCHEMA_VERSION; returns the version it started at."""
    start = version(conn)
    if start > SCHEMA_VERSION:
        raise SchemaError(
            f"the question log has schema version {start}, newer than this service's "
            f"{SCHEMA_VERSION}: upgrade the service or point RAG_DATA_DIR elsewhere"
        )
    for number in range(start + 1, SCHEMA_VERSION + 1):
        # executescript commits first; BEGIN makes the migration and its version atomic.
        conn.executescript(
            f"BEGIN; {MIGRATIONS[number - 1]}; PRAGMA user_version = {number}; COMMIT;"
        )
    return start
