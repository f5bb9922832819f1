"""The report as text for a terminal, or as CSV rows (one table, a `section` column)."""

from __future__ import annotations

import csv
import io

from rag.newsroom.report import QuestionGroup, Report

CSV_HEADER = ("section", "rank", "item", "count", "detail")


def to_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    share = "" if report.helpful_share is None else f"{report.helpful_share:.4f}"
    writer.writerows(
        [
            ("summary", "", "period", "", f"{report.since}/{report.until}"),
            ("summary", "", "questions", report.questions, ""),
            ("summary", "", "answered", report.answered, ""),
            ("summary", "", "unanswered", report.unanswered, ""),
            ("summary", "", "votes", report.votes, ""),
            ("summary", "", "helpful", report.helpful, share),
        ]
    )
    for lang in report.languages:
        writer.writerow(
            ("language", "", lang.language, lang.questions, f"answered={lang.answered}")
        )
    for section, groups in (
        ("top_question", report.top_questions),
        ("unanswered", report.unanswered_questions),
    ):
        for rank, group in enumerate(groups, 1):
            writer.writerow(
                (section, rank, group.question, group.count, " | ".join(group.variants))
            )
    for rank, article in enumerate(report.cited_articles, 1):
        writer.writerow(("cited_article", rank, article.document, article.citations, ""))
    return out.getvalue()


def to_text(report: Report) -> str:
    share = "no votes" if report.helpful_share is None else f"{report.helpful_share:.0%} helpful"
    lines = [
        f"Question log {report.since} to {report.until}",
        f"  {report.questions} questions, {report.answered} answered, "
        f"{report.unanswered} unanswered; {report.votes} votes, {share}",
        "",
        "By language:",
        *(
            f"  {lang.language:<4} {lang.questions:>6} asked {lang.answered:>6} answered"
            for lang in report.languages
        ),
        "",
        "Most asked:",
        *_group_lines(report.top_questions),
        "",
        "Unanswered (what the archive lacks):",
        *_group_lines(report.unanswered_questions),
        "",
        "Most cited articles:",
        *(f"  {a.citations:>5}  {a.document}" for a in report.cited_articles),
    ]
    return "\n".join(lines)


def _group_lines(groups: list[QuestionGroup]) -> list[str]:
    if not groups:
        return ["  (none)"]
    lines = []
    for group in groups:
        lines.append(f"  {group.count:>5}  {group.question}")
        lines.extend(f"         ~ {variant}" for variant in group.variants[:3])
    return lines
