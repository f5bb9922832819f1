"""Sentence spans: verbatim, trimmed, complete, and sized for highlights."""

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rag.text.sentences import continues_sentence, split_sentences

ARTICLE = Path(__file__).resolve().parent.parent / "seeds" / "putin-beijing.ar.txt"
BULLETS = set("•◦▪▫‣●○■□·∙-*–—")

ENGLISH = (
    "Mr. Putin arrived in Beijing on Thursday. The U.S. response was muted, e.g. no new "
    'sanctions were announced. Trade grew 3.5 times since 2014! Was it "a partnership '
    'without limits?" Analysts disagree; some call it an alliance.\nA new line starts here'
)


def texts(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def article_paragraphs() -> list[str]:
    return [p for p in ARTICLE.read_text(encoding="utf-8").split("\n\n") if p.strip()]


def assert_partition(text: str, **limits: int) -> None:
    """Spans are ordered, disjoint, trimmed, and cover all visible text but bullets."""
    covered = [0] * len(text)
    previous_end = 0
    for start, end in split_sentences(text, **limits):
        assert previous_end <= start < end <= len(text)
        assert text[start:end] == text[start:end].strip()
        for i in range(start, end):
            covered[i] += 1
        previous_end = end
    for i, ch in enumerate(text):
        if not ch.isspace():
            assert covered[i] == 1 or (covered[i] == 0 and ch in BULLETS), (i, ch)


def test_english_paragraph_sentences() -> None:
    assert texts(ENGLISH) == [
        "Mr. Putin arrived in Beijing on Thursday.",
        "The U.S. response was muted, e.g. no new sanctions were announced.",
        "Trade grew 3.5 times since 2014!",
        'Was it "a partnership without limits?"',
        "Analysts disagree;",
        "some call it an alliance.",
        "A new line starts here",
    ]


def test_decimal_point_does_not_split() -> None:
    assert texts("نما بنسبة 3.5 في المئة.") == ["نما بنسبة 3.5 في المئة."]


def test_arabic_question_mark_splits() -> None:
    assert texts("لماذا تحتاج الصين روسيا؟ لأسباب عدة.") == [
        "لماذا تحتاج الصين روسيا؟",
        "لأسباب عدة.",
    ]


def test_arabic_semicolon_splits() -> None:
    text = "لكن تضامن الصين مع روسيا؛ جعل الصين هدفًا للضغوطات الغربية."
    assert texts(text) == ["لكن تضامن الصين مع روسيا؛", "جعل الصين هدفًا للضغوطات الغربية."]


def test_closing_quote_after_full_stop_stays_in_sentence() -> None:
    assert texts("قال «انتهى الأمر.» ثم غادر.") == ["قال «انتهى الأمر.»", "ثم غادر."]


def test_curly_quote_after_full_stop_stays_in_sentence() -> None:
    assert texts("He said “Stop.” Then he left.")[0] == "He said “Stop.”"


def test_lowercase_after_question_mark_continues_sentence() -> None:
    assert len(texts('She asked "why?" and left.')) == 1


def test_numbered_list_marker_does_not_split() -> None:
    assert texts("1. First point") == ["1. First point"]


def test_initial_does_not_split() -> None:
    assert len(texts("التقى د. أحمد السيد بالوفد.")) == 1


def test_newline_splits() -> None:
    assert texts("أجندة الزيارة\nوفقًا لما أعلن") == ["أجندة الزيارة", "وفقًا لما أعلن"]


def test_bullet_is_kept_out_of_span() -> None:
    assert texts("  • التنسيق المشترك: تبرز الزيارة التنسيق.") == [
        "التنسيق المشترك: تبرز الزيارة التنسيق."
    ]


def test_long_arabic_run_is_cut_at_a_comma() -> None:
    paragraph = article_paragraphs()[2]
    assert texts(paragraph)[:2] == [
        "تُعد زيارة الرئيس الروسي فلاديمير بوتين إلى الصين، التي تم الإعلان عنها بدعوة"
        " من نظيره الصيني شي جين بينغ،",
        "حدثًا دبلوماسيًا مهمًا يبرز عمق العلاقات بين البلدين ويؤكد التزامهما بتعزيز التعاون الثنائي.",
    ]


def test_short_sentence_with_commas_is_not_cut() -> None:
    sentence = (
        "وخلال فترات حكمه، التقى الرئيسان الروسي والصيني أكثر من 40 مرة، ودائمًا ما"
        " يتبادلان الثناء ويُشير كلًا منها إلى الأخر بالـ “الصديق”."
    )
    assert texts(sentence) == [sentence]


def test_comma_inside_quotation_is_not_a_cut() -> None:
    quote = "“" + "، ".join(["كلمة " * 9] * 2) + "”"
    sentence = "قال المتحدث إن " + quote + " ثم أضاف " + "كلمة " * 20
    assert len(texts(sentence)) == 1


def test_comma_pieces_are_never_fragments() -> None:
    pieces = [s for p in article_paragraphs() for s in texts(p) if s.endswith("،")]
    assert pieces and all(len(s.split()) >= 8 for s in pieces)


def test_article_sentences_are_at_most_30_words_when_commas_allow() -> None:
    assert max(len(s.split()) for p in article_paragraphs() for s in texts(p)) <= 30


@pytest.mark.parametrize("paragraph", article_paragraphs())
def test_article_paragraph_is_partitioned(paragraph: str) -> None:
    assert_partition(paragraph)


def test_whole_article_is_partitioned() -> None:
    assert_partition(ARTICLE.read_text(encoding="utf-8"))


def test_english_paragraph_is_partitioned() -> None:
    assert_partition(ENGLISH)


def test_empty_text_has_no_sentences() -> None:
    assert split_sentences(" \n\t ") == []


ALPHABET = st.sampled_from(
    list('ab AZ.!?؟؛;،,”"»«“•-\n\t01٫') + ["الصين", "U.S.", "Mr.", "3.5", " و"]
)


@given(st.lists(ALPHABET, max_size=80).map("".join))
def test_any_text_is_partitioned(text: str) -> None:
    assert_partition(text)


@given(st.lists(ALPHABET, max_size=80).map("".join), st.integers(0, 5), st.integers(0, 12))
def test_any_text_is_partitioned_with_any_limits(text: str, low: int, high: int) -> None:
    assert_partition(text, min_words=low, max_words=high)


def test_the_pieces_of_a_long_sentence_cut_at_commas_continue_one_another() -> None:
    long = ", ".join(["the delegation met the ministers in the capital city today"] * 4) + "."
    text = f"{long} A second sentence follows here."
    spans = split_sentences(text)
    assert len(spans) > 2  # the long sentence was cut at least once
    joins = [continues_sentence(text, a[1], b[0]) for a, b in zip(spans, spans[1:], strict=False)]
    assert joins == [True] * (len(spans) - 2) + [False]
