"""Scoring: ranks against gold substrings, highlights against labelled answer sentences."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.evaluation.scoring import evaluate, merge_answers
from rag.responses import Answer, AskResponse, Citation, PassageHit

MEETING = "Putin will meet the premier."
COUNTERWEIGHT = "China needs Russia as a counterweight."
PARAGRAPHS = {  # text, highlight
    "p1": (f"{MEETING} He will also visit Harbin.", MEETING),
    "p2": (COUNTERWEIGHT, COUNTERWEIGHT),
}


def hit(rank: int, name: str) -> PassageHit:
    text, highlight = PARAGRAPHS[name]
    citation = Citation(id=name, document="doc", start=0, end=len(text), url=f"/d#{name}")
    return PassageHit(rank=rank, score=1.0, text=text, highlight=highlight, citation=citation)


def ask_returning(*names: str, answered: bool = True):
    def ask(question: str, k: int) -> AskResponse:
        passages = [hit(rank, name) for rank, name in enumerate(names, start=1)]
        answer = Answer(text=passages[0].highlight, citations=[1]) if answered else None
        return AskResponse(
            question=question, language="en", answer=answer, passages=passages, took_ms=1.0
        )

    return ask


def question(**extra) -> dict:
    return {"id": "q1", "lang": "en", "question": "Which city?", "gold": ["Harbin"], **extra}


def test_rank_is_that_of_the_first_passage_holding_a_gold_substring():
    scores = evaluate([question()], ask_returning("p2", "p1"))
    assert scores.results[0].rank == 2
    assert scores.hit_at(1) == 0.0 and scores.hit_at(3) == 1.0 and scores.mrr() == 0.5


def test_highlight_is_judged_on_the_first_relevant_passage():
    labelled = question(answers=["He will also visit Harbin."])
    scores = evaluate([labelled], ask_returning("p2", "p1"))
    assert scores.results[0].highlight_right is False  # p1 highlights the premier sentence
    assert scores.highlight_accuracy() == 0.0


def test_a_highlight_inside_a_labelled_sentence_counts_as_right():
    labelled = question(answers=["Putin will meet the premier. He will also visit Harbin."])
    scores = evaluate([labelled], ask_returning("p1"))
    assert scores.highlight_accuracy() == 1.0
    assert scores.answer_accuracy() == 1.0


def test_no_answer_is_a_wrong_answer_sentence():
    labelled = question(answers=["Putin will meet the premier."])
    scores = evaluate([labelled], ask_returning("p1", answered=False))
    assert scores.answer_accuracy() == 0.0


def test_unlabelled_questions_are_not_judged_on_highlights():
    scores = evaluate([question()], ask_returning("p1"))
    assert scores.highlight_accuracy() is None and scores.answer_accuracy() is None


def test_merge_answers_adds_labels_by_id(tmp_path: Path):
    side = tmp_path / "answers.jsonl"
    side.write_text(json.dumps({"id": "q1", "answers": ["He will also visit Harbin."]}) + "\n")
    merged = merge_answers([question(), {**question(), "id": "q2"}], side)
    assert merged[0]["answers"] == ["He will also visit Harbin."]
    assert "answers" not in merged[1]


def test_merge_answers_rejects_a_line_without_answers(tmp_path: Path):
    side = tmp_path / "answers.jsonl"
    side.write_text('{"id": "q1"}\n')
    with pytest.raises(ValueError, match="answers.jsonl:1"):
        merge_answers([question()], side)


SPLIT_SOURCE = f"Intro.\n\n{MEETING} He will also visit Harbin.\n\n{COUNTERWEIGHT}"


def split_hit(rank: int, start: int, end: int) -> PassageHit:
    text = SPLIT_SOURCE[start:end]
    citation = Citation(id=f"doc#{start}", document="doc", start=start, end=end, url="/d")
    return PassageHit(rank=rank, score=1.0, text=text, highlight=text, citation=citation)


def ask_split(*spans: tuple[int, int]):
    def ask(question: str, k: int) -> AskResponse:
        passages = [split_hit(rank, s, e) for rank, (s, e) in enumerate(spans, start=1)]
        return AskResponse(
            question=question, language="en", answer=None, passages=passages, took_ms=1.0
        )

    return ask


def test_the_second_part_of_a_split_gold_paragraph_is_relevant_given_the_sources():
    second = SPLIT_SOURCE.index("He will")  # the gold paragraph, cut after its first sentence
    ask = ask_split((second, second + 26))
    labelled = question(gold=[MEETING[:12]])
    assert evaluate([labelled], ask, sources={"doc": SPLIT_SOURCE}).results[0].rank == 1
    assert evaluate([labelled], ask).results[0].rank is None


def test_a_passage_after_the_gold_paragraph_is_not_relevant():
    after = SPLIT_SOURCE.index(COUNTERWEIGHT)
    ask = ask_split((after, len(SPLIT_SOURCE)))
    labelled = question(gold=[MEETING[:12]])
    assert evaluate([labelled], ask, sources={"doc": SPLIT_SOURCE}).results[0].rank is None
