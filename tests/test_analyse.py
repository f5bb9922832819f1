"""Step 1: the one question gate, and what a question asks for."""

from __future__ import annotations

import pytest

from rag.query.analyse import InvalidQuestionError, analyse, answer_kind, check_question


def test_the_gate_strips_whitespace_and_invisible_characters():
    assert (
        check_question("  why\u200b does China need Russia?\u202e ")
        == "why does China need Russia?"
    )


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("", "question_empty"),
        ("   \u200b ", "question_empty"),
        ("why\x00", "question_control_character"),
        ("bad \ud800", "question_surrogate"),
    ],
)
def test_the_gate_refuses_what_no_question_needs(text, kind):
    with pytest.raises(InvalidQuestionError) as caught:
        check_question(text)
    assert caught.value.kind == kind
    assert str(caught.value).startswith("the question ")


def test_the_gate_applies_the_length_limit_to_the_question_as_sent():
    check_question("x" * 10, max_chars=10)
    with pytest.raises(InvalidQuestionError, match="longer than 10 characters"):
        check_question("x" * 11, max_chars=10)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("When did the Panthers win?", "date"),
        ("In what year was it founded?", "date"),
        ("متى ولد جمال خاشقجي؟", "date"),
        ("في أي عام تأسست الدولة؟", "date"),
        ("How many points did they score?", "number"),
        ("كم عدد سكان مصر؟", "number"),
        ("ما عدد الدول الأعضاء؟", "number"),
        ("In what years did Spain and Portugal join?", "date"),
        ("أي عام استقلت مصر؟", "date"),
        ("ما هو العام الذي شهد أول استخدام للمحرك؟", "date"),
        ("What was the final score of the game?", "number"),
        ("What was Warsaw's population in 1901?", "number"),
        ("ماهي نسبة المصابين بالاضطراب؟", "number"),
        ("ما هي درجة حرارة المكثف؟", "number"),
        ("What satellite was used at the launch?", None),
        ("Who won Super Bowl 50?", "person"),
        ("من هو مؤسس الدولة العثمانية؟", "person"),
        ("من أين جاء الاسم؟", None),  # "from where"
        ("Why does China need Russia?", None),
    ],
)
def test_answer_kind(question, kind):
    assert answer_kind(question) == kind


def test_words_are_translated_only_into_languages_the_index_holds():
    assert analyse("Which city will Putin visit?", frozenset({"en"})).to_translate == ()
    query = analyse("Which city will Putin visit?", frozenset({"ar", "en"}))
    assert set(query.to_translate) == {w.surface for w in query.words}
    assert query.language == "en"
