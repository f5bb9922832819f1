"""The editors' report: what readers asked, what went unanswered, what helped."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from pydantic import BaseModel, Field

from rag.embeddings import Embedder
from rag.errors import RagError
from rag.newsroom.grouping import DEFAULT_SIMILARITY, group_questions
from rag.newsroom.schema import SCHEMA_VERSION, version
from rag.newsroom.store import FILENAME


class QuestionGroup(BaseModel):
    question: str = Field(description="The most asked spelling in the group.")
    count: int
    variants: list[str] = Field(description="Other spellings, most asked first (at most 5).")


class CitedArticle(BaseModel):
    document: str
    citations: int = Field(description="Answers that cite it.")


class LanguageCount(BaseModel):
    language: str
    questions: int
    answered: int


class Report(BaseModel):
    since: str
    until: str
    questions: int
    answered: int
    unanswered: int
    votes: int
    helpful: int
    helpful_share: float | None = Field(description="helpful / votes; null without votes.")
    languages: list[LanguageCount]
    top_questions: list[QuestionGroup]
    unanswered_questions: list[QuestionGroup]
    cited_articles: list[CitedArticle]


class ReportError(RagError):
    """No question log to report on."""


def period(days: int | None, since: str | None, until: str | None) -> tuple[float, float]:
    """[since, until) as Unix times; dates are UTC days, `until` inclusive."""
    now = dt.datetime.now(dt.UTC)
    end = _day(until) + dt.timedelta(days=1) if until else now
    start = _day(since) if since else end - dt.timedelta(days=days or 7)
    if start >= end:
        raise ReportError(f"the period is empty: {start:%Y-%m-%d} is not before {end:%Y-%m-%d}")
    return start.timestamp(), end.timestamp()


def _day(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)
    except ValueError:
        raise ReportError(f"{text!r} is not a date: write YYYY-MM-DD") from None


def open_log(folder: Path) -> sqlite3.Connection:
    path = Path(folder) / FILENAME
    if not path.exists():
        raise ReportError(
            f"no question log at {path}: `rag serve` writes it (RAG_QUESTION_LOG, RAG_DATA_DIR)"
        )
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5.0)
        found = version(conn)
    except sqlite3.Error as exc:
        raise ReportError(f"cannot read the question log {path}: {exc}") from exc
    if found != SCHEMA_VERSION:
        conn.close()
        raise ReportError(
            f"the question log {path} has schema {found}, this version reads {SCHEMA_VERSION}: "
            "start `rag serve` once to migrate it"
        )
    return conn


def build_report(
    folder: Path,
    embedder: Embedder,
    start: float,
    end: float,
    top: int = 10,
    similarity: float = DEFAULT_SIMILARITY,
) -> Report:
    conn = open_log(folder)
    try:
        return _report(conn, embedder, start, end, top, similarity)
    except sqlite3.Error as exc:
        raise ReportError(f"cannot read the question log: {exc}") from exc
    finally:
        conn.close()


def _report(
    conn: sqlite3.Connection,
    embedder: Embedder,
    start: float,
    end: float,
    top: int,
    similarity: float,
) -> Report:
    window = "asked_at >= ? AND asked_at < ?"
    rows = conn.execute(
        f"SELECT question, answered FROM questions WHERE {window}", (start, end)
    ).fetchall()
    languages = [
        LanguageCount(language=lang, questions=n, answered=int(a or 0))
        for lang, n, a in conn.execute(
            f"SELECT language, COUNT(*), SUM(answered) FROM questions WHERE {window} "
            "GROUP BY language ORDER BY COUNT(*) DESC, language",
            (start, end),
        )
    ]
    votes, helpful = conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(f.helpful), 0) FROM feedback f "
        f"JOIN questions q ON q.id = f.question_id WHERE q.{window}",
        (start, end),
    ).fetchone()
    cited = [
        CitedArticle(document=doc, citations=n)
        for doc, n in conn.execute(
            "SELECT c.document, COUNT(DISTINCT c.question_id) FROM citations c "
            f"JOIN questions q ON q.id = c.question_id WHERE q.{window} AND c.in_answer = 1 "
            "GROUP BY c.document ORDER BY 2 DESC, c.document LIMIT ?",
            (start, end, top),
        )
    ]
    asked = [q for q, _ in rows]
    missed = [q for q, answered in rows if not answered]
    return Report(
        since=_iso(start),
        until=_iso(end),
        questions=len(rows),
        answered=len(rows) - len(missed),
        unanswered=len(missed),
        votes=votes,
        helpful=helpful,
        helpful_share=round(helpful / votes, 4) if votes else None,
        languages=languages,
        top_questions=_groups(asked, embedder, similarity, top),
        unanswered_questions=_groups(missed, embedder, similarity, top),
        cited_articles=cited,
    )


def _groups(
    questions: list[str], embedder: Embedder, similarity: float, top: int
) -> list[QuestionGroup]:
    return [
        QuestionGroup(
            question=g.text,
            count=g.count,
            variants=[v for v, _ in g.variants.most_common() if v != g.text][:5],
        )
        for g in group_questions(questions, embedder, similarity)[:top]
    ]


def _iso(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).isoformat(timespec="seconds")
