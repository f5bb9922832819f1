"""Run the eval for several retrieval modes in one process and print them side by side."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from rag.config import Settings
from rag.evaluation.scoring import QuestionResult, Scores, evaluate
from rag.service import QAService


def evaluate_modes(settings: Settings, questions: list[dict], baseline: str) -> dict[str, Scores]:
    """Score the configured retrieval, then the baseline mode, on one loaded index."""
    service = QAService(settings)
    service.load()
    modes = ["hybrid"] + ([baseline] if baseline not in ("none", "hybrid") else [])
    results: dict[str, Scores] = {}
    default = service.retrieval
    sources = {d.id: d.source for d in service.snapshot().index.documents.values()}
    for mode in modes:
        service.use_retrieval(replace(default, mode=mode))
        results[mode] = evaluate(questions, service.ask, sources=sources)
    service.use_retrieval(default)
    return results


MAX_LISTED = 25


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def render_eval(results: dict[str, Scores]) -> str:
    """One row per metric and language or direction, one column per mode, then the misses."""
    modes = list(results)
    first = results[modes[0]]
    groups = first.directions() or first.languages()
    rows: list[tuple[str, list[float | None]]] = []

    def add(label: str, metric: Callable[[Scores], float | None]) -> None:
        rows.append((label, [metric(results[m]) for m in modes]))

    add("hit@1", lambda s: s.hit_at(1))
    add("hit@3", lambda s: s.hit_at(3))
    add("MRR@5", lambda s: s.mrr())
    for group in groups:
        count = len(first._answerable(group))
        add(f"  {group} ({count}) hit@1", lambda s, g=group: s.hit_at(1, g))
        add(f"  {group} hit@3", lambda s, g=group: s.hit_at(3, g))
        add(f"  {group} MRR@5", lambda s, g=group: s.mrr(g))
        add(f"  {group} answered", lambda s, g=group: s.answer_rate(g))
        if first.highlight_accuracy(group) is not None:
            add(f"  {group} highlight", lambda s, g=group: s.highlight_accuracy(g))
    add("answered (answerable)", lambda s: s.answer_rate())
    if first.null_rate() is not None:
        unanswerable = sum(not r.answerable for r in first.results)
        add(f"null ({unanswerable} absent)", lambda s: s.null_rate())
    add("answer/no-answer acc.", lambda s: s.no_answer_accuracy())
    if first.highlight_accuracy() is not None:
        add("highlight right", lambda s: s.highlight_accuracy())
        add("answer sentence right", lambda s: s.answer_accuracy())

    width = max(len(label) for label, _ in rows) + 2
    head = f"{'metric':<{width}}" + "".join(f"{m:>10}" for m in modes)
    lines = [head, "-" * len(head)]
    lines += [
        f"{label:<{width}}" + "".join(f"{_fmt(v):>10}" for v in values) for label, values in rows
    ]
    lines.append(f"({len(first.results)} questions; columns are retrieval modes, same run)")
    _listing(lines, f"missed at rank 1 ({modes[0]}):", first.misses(1), _where)
    wrong = [r for r in first.results if r.answered != r.answerable]
    _listing(lines, "wrong answer/no-answer decision:", wrong, _said)
    return "\n".join(lines)


def _where(r: QuestionResult) -> str:
    return f"rank {r.rank}" if r.rank else "not in top 5"


def _said(r: QuestionResult) -> str:
    return "answered" if r.answered else "no answer"


def _listing(
    lines: list[str],
    title: str,
    rows: list[QuestionResult],
    outcome: Callable[[QuestionResult], str],
) -> None:
    if not rows:
        return
    lines += ["", title]
    for r in rows[:MAX_LISTED]:
        lines.append(f"  {r.id} [{r.direction}] {r.question}  -> {outcome(r)}")
    if len(rows) > MAX_LISTED:
        lines.append(f"  ... and {len(rows) - MAX_LISTED} more (--json lists every result)")
