"""Score retrieval against gold substrings: hit@1, hit@3, MRR@5, no-answer accuracy.

A passage is relevant when its text contains any gold substring, so labels
survive changes to the chunking. A question with `"gold": []` (or
`"answerable": false`) is out of scope: it scores on no-answer accuracy only,
and is right when the response's `answer` is null.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rag.responses import AskResponse

Ask = Callable[[str, int], AskResponse]


@dataclass
class QuestionResult:
    id: str
    lang: str
    question: str
    answerable: bool
    rank: int | None  # 1-based rank of the first relevant passage within the top 5
    answered: bool
    top_text: str = ""


@dataclass
class Scores:
    results: list[QuestionResult] = field(default_factory=list)

    def _answerable(self, lang: str | None = None) -> list[QuestionResult]:
        return [r for r in self.results if r.answerable and (lang is None or r.lang == lang)]

    def hit_at(self, k: int, lang: str | None = None) -> float:
        rows = self._answerable(lang)
        return sum(r.rank is not None and r.rank <= k for r in rows) / len(rows) if rows else 0.0

    def mrr(self, lang: str | None = None) -> float:
        rows = self._answerable(lang)
        return sum(1 / r.rank for r in rows if r.rank) / len(rows) if rows else 0.0

    def no_answer_accuracy(self) -> float | None:
        """Share of questions whose answer/no-answer decision was right."""
        if not self.results:
            return None
        right = sum(r.answered == r.answerable for r in self.results)
        return right / len(self.results)

    def languages(self) -> list[str]:
        return sorted({r.lang for r in self.results if r.answerable})

    def misses(self, k: int = 1) -> list[QuestionResult]:
        return [r for r in self._answerable() if r.rank is None or r.rank > k]

    def as_dict(self) -> dict:
        out = {
            "questions": len(self.results),
            "hit@1": self.hit_at(1),
            "hit@3": self.hit_at(3),
            "mrr@5": self.mrr(),
            "no_answer_accuracy": self.no_answer_accuracy(),
        }
        for lang in self.languages():
            out[lang] = {
                "hit@1": self.hit_at(1, lang),
                "hit@3": self.hit_at(3, lang),
                "mrr@5": self.mrr(lang),
            }
        return out


def load_questions(path: Path) -> list[dict]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            row["question"] = str(row["question"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not a question line ({exc})") from exc
        rows.append(row)
    return rows


def evaluate(questions: list[dict], ask: Ask, k: int = 5) -> Scores:
    scores = Scores()
    for i, row in enumerate(questions):
        gold = [g for g in row.get("gold", []) if g]
        answerable = bool(gold) and row.get("answerable", True)
        response = ask(row["question"], k)
        rank = None
        for hit in response.passages[:k]:
            if any(g in hit.text for g in gold):
                rank = hit.rank
                break
        scores.results.append(
            QuestionResult(
                id=str(row.get("id", i + 1)),
                lang=row.get("lang", response.language),
                question=row["question"],
                answerable=answerable,
                rank=rank,
                answered=response.answer is not None,
                top_text=response.passages[0].text if response.passages else "",
            )
        )
    return scores
