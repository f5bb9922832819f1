"""The question log: SQLite under RAG_DATA_DIR, written by one thread in batches.

A request only appends a record to a bounded in-memory queue (no I/O, no lock
held across a write), so a slow, locked, full or read-only database can never
slow or fail an answer. The writer takes whatever has queued up since its last
write and commits it in one transaction: under load, one commit serves many
requests. What could not be written is counted and shown on /health; a full
queue drops new records rather than grow without bound.

SQLite rather than a log file: the report needs grouping, joins and deletes by
age, and SQLite is in the standard library and has a stable file format.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rag.errors import RagError
from rag.newsroom.privacy import ClientHasher, utc_day
from rag.newsroom.records import AskRecord, FeedbackRecord
from rag.newsroom.schema import migrate

logger = logging.getLogger("rag.newsroom")

FILENAME = "questions.sqlite"
DAY = 86_400.0
_PURGE_EVERY_S = 3_600.0
_STOP = object()


class LogUnavailableError(RagError):
    """The question log cannot be read right now (locked, missing, unreadable)."""


@dataclass(frozen=True)
class LogStatus:
    status: str  # "ok", "failing" or "off"
    path: str | None
    pending: int
    written: int
    dropped: int
    detail: str | None


def connect(path: Path, timeout: float) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


class QuestionLog:
    def __init__(
        self,
        folder: Path,
        retention_days: int,
        *,
        max_pending: int = 10_000,
        max_batch: int = 512,
        busy_timeout_s: float = 1.0,
        recent_ids: int = 50_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(folder) / FILENAME
        self.retention_s = retention_days * DAY
        self.max_batch = max_batch
        self.busy_timeout_s = busy_timeout_s
        self.clock = clock
        self.hasher = ClientHasher(self._queue_salt, clock)
        self._queue: queue.Queue[object] = queue.Queue(max_pending)
        self._recent: OrderedDict[str, None] = OrderedDict()
        self._recent_max = recent_ids
        self._lock = threading.Lock()
        self._done = threading.Condition(self._lock)
        self._queued = 0
        self._handled = 0
        self._written = 0
        self._dropped = 0
        self._error: str | None = None
        self._thread: threading.Thread | None = None
        self._last_purge = 0.0
        self._ready = False

    # -- lifecycle ---------------------------------------------------------------

    def open(self) -> None:
        """Create or migrate the database and start the writer; a failure only shows on /health."""
        self._prepare()
        self._thread = threading.Thread(target=self._run, name="question-log", daemon=True)
        self._thread.start()
        self.purge_soon()

    def _prepare(self) -> bool:
        """Migrate; tried again before each write until it works (the folder may be fixed)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = connect(self.path, timeout=5.0)
            try:
                conn.execute("PRAGMA journal_mode = WAL")  # readers never block the writer
                migrate(conn)
                today = utc_day(self.clock())
                row = conn.execute("SELECT salt FROM salts WHERE day = ?", (today,)).fetchone()
                if row is not None:
                    self.hasher.adopt(today, bytes(row[0]))
            finally:
                conn.close()
        except (sqlite3.Error, OSError, RagError) as exc:
            self._fail(f"cannot open {self.path}: {exc}")
            return False
        self._ready = True
        return True

    def close(self, timeout: float = 5.0) -> None:
        if self._thread is None:
            return
        try:
            self._queue.put(_STOP, timeout=timeout)
        except queue.Full:
            logger.warning("question log: queue full at shutdown, pending records are lost")
            return
        self._thread.join(timeout)
        self._thread = None

    # -- the request path: never blocks --------------------------------------------

    def record(self, record: AskRecord) -> None:
        with self._lock:
            self._recent[record.id] = None
            if len(self._recent) > self._recent_max:
                self._recent.popitem(last=False)
        self._put(("ask", record))

    def vote(self, record: FeedbackRecord) -> None:
        self._put(("vote", record))

    def purge_soon(self) -> None:
        self._put(("purge", None))

    def _queue_salt(self, day: str, salt: bytes) -> None:
        self._put(("salt", (day, salt)))

    def _put(self, item: object) -> None:
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            with self._lock:
                self._dropped += 1
                self._error = "the write queue is full: the database is not keeping up"
            return
        with self._lock:
            self._queued += 1

    def knows(self, question_id: str) -> bool:
        """Whether `question_id` was answered: by this process lately, or in the database."""
        with self._lock:
            if question_id in self._recent:
                return True
        try:
            conn = connect(self.path, timeout=self.busy_timeout_s)
            try:
                row = conn.execute(
                    "SELECT 1 FROM questions WHERE id = ?", (question_id,)
                ).fetchone()
            finally:
                conn.close()
        except sqlite3.Error as exc:
            raise LogUnavailableError(f"the question log cannot be read: {exc}") from exc
        return row is not None

    # -- state -------------------------------------------------------------------------

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything queued so far has been written (or failed). Tests use it."""
        deadline = time.monotonic() + timeout
        with self._done:
            target = self._queued
            while self._handled < target:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._done.wait(left)
        return True

    def status(self) -> LogStatus:
        with self._lock:
            return LogStatus(
                status="failing" if self._error else "ok",
                path=str(self.path),
                pending=self._queue.qsize(),
                written=self._written,
                dropped=self._dropped,
                detail=self._error,
            )

    def _fail(self, message: str) -> None:
        logger.warning("question log: %s", message)
        with self._lock:
            self._error = message

    # -- the writer thread -------------------------------------------------------------

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        stop = False
        while not stop:
            try:
                first = self._queue.get(timeout=_PURGE_EVERY_S / 4)
            except queue.Empty:
                first = ("purge", None)
                with self._lock:
                    self._queued += 1
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            if _STOP in batch:
                stop = True
                batch = [item for item in batch if item is not _STOP]
            if batch:
                conn = self._write(conn, batch)
            with self._done:
                self._handled += len(batch)
                self._done.notify_all()
        if conn is not None:
            conn.close()

    def _write(self, conn: sqlite3.Connection | None, batch: list) -> sqlite3.Connection | None:
        asks = [record for kind, record in batch if kind == "ask"]
        votes = [record for kind, record in batch if kind == "vote"]
        salts = [record for kind, record in batch if kind == "salt"]
        purge = any(kind == "purge" for kind, _ in batch) or (
            self.clock() - self._last_purge > _PURGE_EVERY_S
        )
        if not self._ready and not self._prepare():
            with self._lock:
                self._dropped += len(asks) + len(votes)
            return None
        try:
            if conn is None:
                conn = connect(self.path, timeout=self.busy_timeout_s)
            conn.execute("BEGIN IMMEDIATE")
            try:
                _insert(conn, asks, votes, salts)
                removed = self._purge(conn) if purge else 0
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        except (sqlite3.Error, OSError) as exc:
            lost = len(asks) + len(votes)
            self._fail(f"{lost} records not written: {exc}")
            with self._lock:
                self._dropped += lost
            if conn is not None:
                conn.close()
            return None  # reconnect next time: the file may have been fixed or replaced
        with self._lock:
            self._written += len(asks) + len(votes)
            self._error = None
        if removed:
            logger.info("question log: deleted %d questions past retention", removed)
        return conn

    def _purge(self, conn: sqlite3.Connection) -> int:
        now = self.clock()
        self._last_purge = now
        cursor = conn.execute("DELETE FROM questions WHERE asked_at < ?", (now - self.retention_s,))
        # Yesterday's salt goes: its hashes can no longer be recomputed from an address.
        conn.execute("DELETE FROM salts WHERE day < ?", (utc_day(now),))
        return cursor.rowcount


def _insert(
    conn: sqlite3.Connection,
    asks: list[AskRecord],
    votes: list[FeedbackRecord],
    salts: list[tuple[str, bytes]],
) -> None:
    conn.executemany(
        "INSERT OR IGNORE INTO questions (id, asked_at, question, language, document, "
        "answered, generation, latency_ms, client) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                r.id,
                r.asked_at,
                r.question,
                r.language,
                r.document,
                int(r.answered),
                r.generation,
                r.latency_ms,
                r.client,
            )
            for r in asks
        ],
    )
    conn.executemany(
        "INSERT OR IGNORE INTO citations (question_id, rank, passage, document, in_answer, score) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            (r.id, c.rank, c.passage, c.document, int(c.in_answer), c.score)
            for r in asks
            for c in r.citations
        ],
    )
    # A vote for a question that was never written (it was lost) is skipped, not an error.
    conn.executemany(
        "INSERT INTO feedback (question_id, client, helpful, comment, voted_at) "
        "SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM questions WHERE id = ?) "
        "ON CONFLICT (question_id, client) DO UPDATE SET helpful = excluded.helpful, "
        "comment = excluded.comment, voted_at = excluded.voted_at",
        [
            (v.question_id, v.client, int(v.helpful), v.comment, v.voted_at, v.question_id)
            for v in votes
        ],
    )
    conn.executemany("INSERT OR REPLACE INTO salts (day, salt) VALUES (?, ?)", salts)
