"""Run the eval for several retrieval modes in one process and print them side by side."""

from __future__ import annotations

from dataclasses import replace

from rag.config import Settings
from rag.evaluation.scoring import Scores, evaluate
from rag.service import QAService


def evaluate_modes(settings: Settings, questions: list[dict], baseline: str) -> dict[str, Scores]:
    """Score the configured retrieval, then the baseline mode, on one loaded index."""
    service = QAService(settings)
    service.load()
    modes = ["hybrid"] + ([baseline] if baseline not in ("none", "hybrid") else [])
    results: dict[str, Scores] = {}
    default = service.retrieval
    for mode in modes:
        service.use_retrieval(replace(default, mode=mode))
        results[mode] = evaluate(questions, service.ask)
    service.use_retrieval(default)
    return results


def _fmt(value: float | None) -> str:
    return "   -  " if value is None else f"{value:6.3f}"


def _metric(scores: Scores, metric: str, lang: str | None) -> float:
    if metric == "mrr":
        return scores.mrr(lang)
    return scores.hit_at(1 if metric == "hit1" else 3, lang)


def _row(label: str, values: list[float | None]) -> str:
    return f"{label:<22}" + "".join(f"{_fmt(v):>10}" for v in values)


def render_eval(results: dict[str, Scores]) -> str:
    modes = list(results)
    head = f"{'metric':<22}" + "".join(f"{m:>10}" for m in modes)
    lines = [head, "-" * len(head)]
    first = results[modes[0]]
    rows: list[tuple[str, str | None, str]] = [
        ("hit@1", None, "hit1"),
        ("hit@3", None, "hit3"),
        ("MRR@5", None, "mrr"),
    ]
    for lang in first.languages():
        rows += [
            (f"  {lang} hit@1", lang, "hit1"),
            (f"  {lang} hit@3", lang, "hit3"),
            (f"  {lang} MRR@5", lang, "mrr"),
        ]
    for label, lang, metric in rows:
        values = []
        for m in modes:
            values.append(_fmt(_metric(results[m], metric, lang)))
        lines.append(f"{label:<22}" + "".join(f"{v:>10}" for v in values))
    lines.append(
        f"{'answer/no-answer acc.':<22}"
        + "".join(f"{_fmt(results[m].no_answer_accuracy()):>10}" for m in modes)
    )
    if first.highlight_accuracy() is not None:
        lines.append(_row("highlight right", [results[m].highlight_accuracy() for m in modes]))
        lines.append(_row("answer sentence right", [results[m].answer_accuracy() for m in modes]))
    lines.append(f"({len(first.results)} questions; columns are retrieval modes, same run)")
    misses = first.misses(1)
    if misses:
        lines.append("")
        lines.append(f"missed at rank 1 ({modes[0]}):")
        for r in misses:
            where = f"rank {r.rank}" if r.rank else "not in top 5"
            lines.append(f"  {r.id} [{r.lang}] {r.question}  -> {where}")
    wrong = [r for r in first.results if r.answered != r.answerable]
    if wrong:
        lines.append("")
        lines.append("wrong answer/no-answer decision:")
        for r in wrong:
            said = "answered" if r.answered else "no answer"
            lines.append(f"  {r.id} [{r.lang}] {r.question}  -> {said}")
    return "\n".join(lines)
