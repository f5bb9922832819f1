"""`rag report` and GET /admin/report on a fixture log, grouped with a synthetic embedder."""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import HashEmbedder, patch_embedder

from rag.cli import main
from rag.newsroom.grouping import group_questions
from rag.newsroom.records import AskRecord, CitationRecord, FeedbackRecord
from rag.newsroom.report import build_report, period
from rag.newsroom.store import QuestionLog

NOW = time.time()
DAY = 86_400.0
# HashEmbedder is a bag of words: the first two share 5 of 6 words (cosine about 0.9),
# unrelated questions share none; grouping at 0.7 sits far from both.
SIMILARITY = 0.7
LOG = [
    # question, language, answered, cited document, days ago
    ("why does china need russia", "en", True, "putin-beijing", 1),
    ("why does china need russia", "en", True, "putin-beijing", 1),
    ("Why does China need Russia?", "en", True, "putin-beijing", 2),
    ("why does china need russia now", "en", True, "putin-beijing", 2),
    ("لماذا تحتاج الصين إلى روسيا", "ar", True, "putin-beijing", 3),
    ("who won the football world cup", "en", False, None, 1),
    ("who won the football world cup final", "en", False, None, 2),
    ("export licences for photoresists", "en", True, "chip-pact", 1),
    ("a question from long ago", "en", True, "chip-pact", 40),
]


def write_log(folder: Path) -> None:
    log = QuestionLog(folder, 365)
    log.open()
    for n, (question, language, answered, document, days) in enumerate(LOG):
        cites = (CitationRecord(1, f"{document}#p1", document, True, 0.9),) if document else ()
        log.record(
            AskRecord(
                f"q{n}",
                NOW - days * DAY,
                question,
                language,
                None,
                answered,
                "g1",
                10.0,
                f"client{n}",
                cites,
            )  # fmt: skip
        )
    log.vote(FeedbackRecord("q0", "a", True, None, NOW))
    log.vote(FeedbackRecord("q0", "b", True, None, NOW))
    log.vote(FeedbackRecord("q5", "a", False, "nothing about football", NOW))
    assert log.flush()
    log.close()


@pytest.fixture
def log_dir(tmp_path: Path) -> Path:
    write_log(tmp_path)
    return tmp_path


def week() -> tuple[float, float]:
    return period(7, None, None)


def test_near_duplicates_are_grouped() -> None:
    groups = group_questions(
        ["why does china need russia", "why does china need russia now", "football scores"],
        HashEmbedder(),
        SIMILARITY,
    )
    assert [(g.text, g.count) for g in groups] == [
        ("why does china need russia", 2),
        ("football scores", 1),
    ]


def test_the_report_groups_the_most_asked(log_dir: Path) -> None:
    report = build_report(log_dir, HashEmbedder(), *week(), similarity=SIMILARITY)
    top = report.top_questions[0]
    assert (top.question, top.count) == ("why does china need russia", 4)
    assert set(top.variants) == {"Why does China need Russia?", "why does china need russia now"}
    assert report.questions == 8  # the 40-day-old question is outside the week


def test_the_report_groups_unanswered_questions(log_dir: Path) -> None:
    report = build_report(log_dir, HashEmbedder(), *week(), similarity=SIMILARITY)
    assert [(g.question, g.count) for g in report.unanswered_questions] == [
        ("who won the football world cup", 2)
    ]
    assert report.unanswered == 2


def test_the_report_counts_citations_votes_and_languages(log_dir: Path) -> None:
    report = build_report(log_dir, HashEmbedder(), *week(), similarity=SIMILARITY)
    assert [(a.document, a.citations) for a in report.cited_articles] == [
        ("putin-beijing", 5),
        ("chip-pact", 1),
    ]
    assert (report.votes, report.helpful, report.helpful_share) == (3, 2, round(2 / 3, 4))
    assert [(x.language, x.questions, x.answered) for x in report.languages] == [
        ("en", 7, 5),
        ("ar", 1, 1),
    ]


def run(monkeypatch, log_dir: Path, *args: str):
    patch_embedder(monkeypatch, HashEmbedder())
    return CliRunner().invoke(
        main, ["report", "--data-dir", str(log_dir), "--similarity", str(SIMILARITY), *args]
    )


def test_rag_report_prints_text(monkeypatch, log_dir: Path) -> None:
    result = run(monkeypatch, log_dir)
    assert result.exit_code == 0, result.output
    assert "Unanswered" in result.output
    assert "who won the football world cup" in result.output


def test_rag_report_json_is_the_report(monkeypatch, log_dir: Path) -> None:
    result = run(monkeypatch, log_dir, "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["top_questions"][0]["count"] == 4
    assert payload["helpful_share"] == round(2 / 3, 4)


def test_rag_report_csv_has_every_section(monkeypatch, log_dir: Path) -> None:
    result = run(monkeypatch, log_dir, "--csv")
    assert result.exit_code == 0, result.output
    table = list(csv.DictReader(io.StringIO(result.output)))
    sections = {row["section"] for row in table}
    assert sections == {"summary", "language", "top_question", "unanswered", "cited_article"}
    [missed] = [row for row in table if row["section"] == "unanswered"]
    assert (missed["item"], missed["count"]) == ("who won the football world cup", "2")


def test_rag_report_without_a_log_is_a_clear_error(monkeypatch, tmp_path: Path) -> None:
    result = run(monkeypatch, tmp_path / "empty")
    assert result.exit_code == 1
    assert "no question log" in result.output


def test_rag_report_rejects_a_bad_date(monkeypatch, log_dir: Path) -> None:
    result = run(monkeypatch, log_dir, "--since", "last tuesday")
    assert result.exit_code != 0
    assert "YYYY-MM-DD" in result.output


def test_admin_report_is_behind_the_admin_key(make_client, log_dir: Path) -> None:
    assert make_client(data_dir=log_dir).get("/admin/report").status_code == 404
    client = make_client(data_dir=log_dir, admin_key="adm-1")
    assert client.get("/admin/report").status_code == 403
    response = client.get("/admin/report", headers={"x-admin-key": "adm-1"})
    assert response.status_code == 200
    body = response.json()
    assert body["questions"] >= 8 and body["unanswered"] >= 2
    assert body["cited_articles"][0]["document"] == "putin-beijing"


def test_admin_report_refuses_an_empty_period(make_client, log_dir: Path) -> None:
    client = make_client(data_dir=log_dir, admin_key="adm-1")
    response = client.get(
        "/admin/report",
        params={"since": "2026-02-01", "until": "2026-01-01"},
        headers={"x-admin-key": "adm-1"},
    )
    assert response.status_code == 422
