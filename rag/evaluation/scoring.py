"""Score retrieval against gold substrings: hit@1, hit@3, MRR@5, no-answer accuracy.

A passage is relevant when its text contains any gold substring, so labels
survive changes to the chunking. Gold substrings usually open the paragraph
that answers (the dev archive's are its first 48 characters), and ingestion
splits a paragraph longer than the model's window into several passages: given
the documents' sources, a passage that starts inside the gold paragraph (from
the substring to the next blank line) is relevant too, or the answer in a long
paragraph's second half would count as a miss. A question with `"gold": []` (or
`"answerable": false`) is out of scope: it scores on no-answer accuracy only,
and is right when the response's `answer` is null.

Optionally, a question lists `"answers"`: the sentences a reader should see
highlighted (labelled by hand, usually kept in a side file merged by id, see
`merge_answers`). A highlight or answer is right when it and one of them
contain each other, which tolerates a splitter that cuts at a comma or not.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rag.responses import AskResponse, PassageHit

Ask = Callable[[str, int], AskResponse]
Sources = Mapping[str, str]  # document id -> source text


@dataclass
class QuestionResult:
    id: str
    lang: str
    question: str
    doc_lang: str | None
    answerable: bool
    rank: int | None  # 1-based rank of the first relevant passage within the top 5
    answered: bool
    top_text: str = ""
    highlight_right: bool | None = None  # first relevant passage's highlight; None: unlabelled
    answer_right: bool | None = None  # the answer sentence; None: unlabelled

    @property
    def direction(self) -> str:
        """Question language -> article language ("en->ar"), or the question language alone."""
        return f"{self.lang}->{self.doc_lang}" if self.doc_lang else self.lang


@dataclass
class Scores:
    results: list[QuestionResult] = field(default_factory=list)

    def _answerable(self, group: str | None = None) -> list[QuestionResult]:
        return [r for r in self.results if r.answerable and group in (None, r.lang, r.direction)]

    def hit_at(self, k: int, group: str | None = None) -> float:
        """Among answerable questions (of a language or a direction), the share ranked <= k."""
        rows = self._answerable(group)
        return sum(r.rank is not None and r.rank <= k for r in rows) / len(rows) if rows else 0.0

    def mrr(self, group: str | None = None) -> float:
        rows = self._answerable(group)
        return sum(1 / r.rank for r in rows if r.rank) / len(rows) if rows else 0.0

    def answer_rate(self, group: str | None = None) -> float | None:
        """Share of answerable questions that got an answer."""
        rows = self._answerable(group)
        return sum(r.answered for r in rows) / len(rows) if rows else None

    def null_rate(self) -> float | None:
        """Share of unanswerable questions (absent topics) whose answer was null."""
        rows = [r for r in self.results if not r.answerable]
        return sum(not r.answered for r in rows) / len(rows) if rows else None

    def no_answer_accuracy(self) -> float | None:
        """Share of questions whose answer/no-answer decision was right."""
        if not self.results:
            return None
        right = sum(r.answered == r.answerable for r in self.results)
        return right / len(self.results)

    def highlight_accuracy(self, group: str | None = None) -> float | None:
        """Share of labelled questions, with a relevant passage in the top 5, highlighted right."""
        judged = [
            r.highlight_right
            for r in self.results
            if r.highlight_right is not None and group in (None, r.lang, r.direction)
        ]
        return sum(judged) / len(judged) if judged else None

    def answer_accuracy(self) -> float | None:
        """Share of labelled answerable questions whose answer is a labelled sentence."""
        judged = [r.answer_right for r in self.results if r.answer_right is not None]
        return sum(judged) / len(judged) if judged else None

    def languages(self) -> list[str]:
        return sorted({r.lang for r in self.results if r.answerable})

    def directions(self) -> list[str]:
        """The question -> article language pairs, when the questions say which."""
        return sorted({r.direction for r in self.results if r.answerable and r.doc_lang})

    def misses(self, k: int = 1) -> list[QuestionResult]:
        return [r for r in self._answerable() if r.rank is None or r.rank > k]

    def as_dict(self, with_results: bool = False) -> dict:
        out: dict = {
            "questions": len(self.results),
            "hit@1": self.hit_at(1),
            "hit@3": self.hit_at(3),
            "mrr@5": self.mrr(),
            "answer_rate": self.answer_rate(),
            "null_rate": self.null_rate(),
            "no_answer_accuracy": self.no_answer_accuracy(),
            "highlight_accuracy": self.highlight_accuracy(),
            "answer_accuracy": self.answer_accuracy(),
        }
        for group in self.languages() + self.directions():
            out[group] = {
                "hit@1": self.hit_at(1, group),
                "hit@3": self.hit_at(3, group),
                "mrr@5": self.mrr(group),
                "answer_rate": self.answer_rate(group),
                "highlight_accuracy": self.highlight_accuracy(group),
            }
        if with_results:
            out["results"] = [{**asdict(r), "direction": r.direction} for r in self.results]
        return out


def _read_jsonl(path: Path, what: str, check: Callable[[dict], object]) -> list[dict]:
    """The JSON object on each non-blank line; ValueError naming the line otherwise."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            check(row)
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not {what} ({exc!r})") from exc
        rows.append(row)
    return rows


def load_questions(path: Path) -> list[dict]:
    rows = _read_jsonl(path, "a question line", lambda row: row["question"])
    return [{**row, "question": str(row["question"])} for row in rows]


def merge_answers(questions: list[dict], path: Path) -> list[dict]:
    """Add the `answers` of a side file (lines of {"id", "answers"}) to questions by id."""
    rows = _read_jsonl(path, "an answers line", lambda row: (row["id"], list(row["answers"])))
    labels = {str(row["id"]): list(row["answers"]) for row in rows}
    return [
        {**q, "answers": labels[str(q.get("id"))]} if str(q.get("id")) in labels else q
        for q in questions
    ]


def _matches(text: str, labels: list[str]) -> bool:
    return any(text and (label in text or text in label) for label in labels)


def _relevant(hit: PassageHit, gold: list[str], sources: Sources) -> bool:
    if any(g in hit.text for g in gold):
        return True
    source = sources.get(hit.citation.document)
    if not source:
        return False
    for g in gold:
        start = source.find(g)
        while start >= 0:
            end = source.find("\n\n", start)
            if start <= hit.citation.start < (len(source) if end < 0 else end):
                return True
            start = source.find(g, start + 1)
    return False


def evaluate(questions: list[dict], ask: Ask, k: int = 5, sources: Sources | None = None) -> Scores:
    """Score `ask` on `questions`; `sources` lets a part of a split gold paragraph count."""
    sources = sources or {}
    scores = Scores()
    for i, row in enumerate(questions):
        gold = [g for g in row.get("gold", []) if g]
        answerable = bool(gold) and row.get("answerable", True)
        labels = [a for a in row.get("answers", []) if a] if answerable else []
        response = ask(row["question"], k)
        rank, highlight_right = None, None
        for hit in response.passages[:k]:
            if _relevant(hit, gold, sources):
                rank = hit.rank
                highlight_right = _matches(hit.highlight, labels) if labels else None
                break
        answer_right = None
        if labels:
            answer_right = response.answer is not None and _matches(response.answer.text, labels)
        scores.results.append(
            QuestionResult(
                id=str(row.get("id", i + 1)),
                lang=row.get("lang", response.language),
                question=row["question"],
                doc_lang=row.get("doc_lang"),
                answerable=answerable,
                rank=rank,
                answered=response.answer is not None,
                top_text=response.passages[0].text if response.passages else "",
                highlight_right=highlight_right,
                answer_right=answer_right,
            )
        )
    return scores
