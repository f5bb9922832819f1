"""The bench's questions: distinct (the answer cache stays out of timings), a third English."""

import pytest

from rag.bench.common import QuestionSource, is_english


def test_a_full_run_gets_distinct_questions_a_third_of_them_english():
    source = QuestionSource()
    questions = source.take(6300)  # what a full `make bench` run takes
    assert len(set(questions)) == len(questions)
    assert sum(map(is_english, questions)) / len(questions) == pytest.approx(1 / 3, abs=0.02)


def test_running_out_says_how_to_fix_it():
    source = QuestionSource(total=10)
    source.take(8)
    with pytest.raises(ValueError, match="raise QuestionSource's total"):
        source.take(3)
