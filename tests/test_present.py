"""Step 5: the highlight holds what the question asks for; citations stay exact."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import hashed_service

import rag.query.present as present
from rag.index.calibration import without_language
from rag.query.analyse import Word
from rag.query.present import holds_kind
from rag.query.translate import WordMatch

# The sentences differ by one word each, none of them in the questions: by
# similarity and by the question's words they tie, so the answer kind decides.
ARTICLE = """# The treaty

The treaty was signed by the ministers in Paris. \
The treaty was signed by the ministers in 1998. \
The treaty was signed by the ministers in Rome.
"""


@pytest.fixture
def service(tmp_path: Path):
    qa = hashed_service(tmp_path, {"treaty.en.md": ARTICLE}, keep_question_means=True)
    yield qa
    qa.close()


def highlight(service, question: str) -> str:
    return service.ask(question, 1).passages[0].highlight


@pytest.fixture
def one_sentence(monkeypatch):
    """The chosen sentence alone, before the highlight grows into its neighbours."""
    monkeypatch.setattr(present, "HIGHLIGHT_MIN_WORDS", 0)
    monkeypatch.setattr(present, "HIGHLIGHT_MARGIN", -1.0)


DATE_SENTENCE = "The treaty was signed by the ministers in 1998."


def test_a_when_question_highlights_the_sentence_with_a_date(service, one_sentence):
    assert highlight(service, "When was the treaty signed by the ministers?") == DATE_SENTENCE


def test_a_how_many_question_highlights_the_sentence_with_a_number(service, one_sentence):
    assert highlight(service, "How many ministers signed the treaty?") == DATE_SENTENCE


def test_without_the_answer_kind_the_date_sentence_is_not_chosen(
    service, one_sentence, monkeypatch
):
    monkeypatch.setattr(present, "ANSWER_KIND_WEIGHT", 0.0)
    assert highlight(service, "When was the treaty signed by the ministers?") != DATE_SENTENCE


def test_a_short_sentence_grows_into_a_neighbour_but_keeps_the_answer(service):
    shown = highlight(service, "When was the treaty signed by the ministers?")
    assert DATE_SENTENCE in shown and len(shown.split()) > len(DATE_SENTENCE.split())


def test_the_highlight_is_verbatim_from_the_source(service):
    hit = service.ask("When was the treaty signed?", 1).passages[0]
    source = service.document("treaty").source
    assert hit.highlight in source[hit.citation.start : hit.citation.end]


@pytest.mark.parametrize(
    ("kind", "text", "holds"),
    [
        ("date", "It opened in 1998.", True),
        ("date", "افتتح في ١٩٩٨.", True),
        ("date", "ولد في 13 أكتوبر", True),
        ("date", "It opened to the public.", False),
        ("number", "It has 308 points.", True),
        ("number", "سجل ثلاثة أهداف", True),
        ("number", "It was a good season.", False),
        ("number", "صدر الدستور الجديد", False),  # ست inside a word is not six
        ("person", "The prize went to Marie Curie.", True),
        ("person", "the prize went to a chemist.", False),
        (None, "Anything 1998.", False),
    ],
)
def test_holds_kind(kind, text, holds):
    assert holds_kind(kind, text) is holds


def pieces(source: str, *texts: str) -> tuple[list[int], list[int]]:
    starts = [source.index(t) for t in texts]
    return starts, [s + len(t) for s, t in zip(starts, texts, strict=True)]


RUN_ON = "The committee met in Houston, the engineers at Marshall took longer, but they agreed."


def test_the_highlight_grows_from_the_best_piece_into_its_sentence() -> None:
    texts = ("The committee met in Houston,", "the engineers at Marshall took longer,")
    starts, ends = pieces(RUN_ON, *texts, "but they agreed.")
    scores = present.np.array([0.0, 5.0, 1.0])
    assert present.sentence_around(RUN_ON, starts, ends, scores, best=1) == (0, 2)


def test_the_highlight_stops_at_the_sentence_end() -> None:
    source = "Houston hosted it. The engineers at Marshall took longer, but agreed."
    starts, ends = pieces(source, "Houston hosted it.", "The engineers at Marshall took longer,")
    starts.append(source.index("but"))
    ends.append(len(source))
    scores = present.np.array([9.0, 5.0, 1.0])
    assert present.sentence_around(source, starts, ends, scores, best=1) == (1, 2)


def test_the_highlight_takes_the_better_neighbour_first_within_the_word_cap() -> None:
    texts = ("The committee met in Houston,", "the engineers at Marshall took longer,")
    starts, ends = pieces(RUN_ON, *texts, "but they agreed.")
    scores = present.np.array([0.0, 5.0, 1.0])
    # Six words for the best piece, three more for the better neighbour: nine.
    assert present.sentence_around(RUN_ON, starts, ends, scores, 1, max_words=9) == (1, 2)
    scores = present.np.array([2.0, 5.0, 1.0])
    assert present.sentence_around(RUN_ON, starts, ends, scores, 1, max_words=11) == (0, 1)


def test_a_line_break_ends_the_highlight_even_after_a_comma() -> None:
    source = "First line ends with a comma,\nsecond line."
    starts, ends = pieces(source, "First line ends with a comma,", "second line.")
    scores = present.np.array([5.0, 4.0])
    assert present.sentence_around(source, starts, ends, scores, best=0) == (0, 0)


THREE = "Born in Houston in 1950 to a family of engineers. He moved. He studied law at Yale."


def three_sentences() -> tuple[list[int], list[int]]:
    return pieces(
        THREE,
        "Born in Houston in 1950 to a family of engineers.",
        "He moved.",
        "He studied law at Yale.",
    )


def test_a_short_highlight_grows_by_the_better_scoring_neighbour() -> None:
    starts, ends = three_sentences()
    scores = present.np.array([1.0, 9.0, 4.0])
    span = present.highlight_span(THREE, starts, ends, scores, 1, min_words=5, margin=0.0)
    assert span == (1, 2)


def test_a_long_enough_highlight_stays_one_sentence_when_the_neighbours_score_far_below() -> None:
    starts, ends = three_sentences()
    scores = present.np.array([9.0, 1.0, 4.0])
    assert present.highlight_span(THREE, starts, ends, scores, 0, min_words=5, margin=2.0) == (0, 0)


def test_a_neighbour_within_the_margin_joins_the_highlight() -> None:
    starts, ends = three_sentences()
    scores = present.np.array([9.0, 8.5, 1.0])
    assert present.highlight_span(THREE, starts, ends, scores, 0, min_words=5, margin=1.0) == (0, 1)


def test_growing_the_highlight_never_passes_the_word_cap() -> None:
    starts, ends = three_sentences()
    scores = present.np.array([1.0, 9.0, 4.0])
    span = present.highlight_span(THREE, starts, ends, scores, 1, min_words=50, max_words=7)
    assert span == (
        1,
        2,
    )  # "He moved. He studied law at Yale." is seven words; adding the first is 16


def test_the_part_every_question_shares_does_not_pick_the_sentence() -> None:
    # A question is mostly the direction all questions share (e0) and a little of
    # what it asks (e1); a sentence that only resembles any question (an opening
    # definition) must not beat the one that answers.
    question = np.array([0.9, 0.44], dtype=np.float32)
    generic, answering = [1.0, 0.0], [0.0, 1.0]
    sentences = np.array([generic, answering], dtype=np.float16)
    shared = np.array([1.0, 0.0], dtype=np.float32)
    raw = present.sentence_similarities(question, sentences, 0.01, None)
    centred = present.sentence_similarities(question, sentences, 0.01, shared)
    assert np.argmax(raw) == 0
    assert np.argmax(centred) == 1


def test_the_highlight_takes_the_calibrations_question_mean(service, monkeypatch) -> None:
    seen = []
    score = present.sentence_similarities

    def spy(question, vectors, spread, mean, *args):
        seen.append(mean)
        return score(question, vectors, spread, mean, *args)

    monkeypatch.setattr(present, "sentence_similarities", spy)
    highlight(service, "When was the treaty signed by the ministers?")
    expected = service.snapshot().index.calibration.question_mean("en")
    assert seen and all(np.array_equal(m, expected) for m in seen)


# Both sentences share three words with the question, so similarity ties; the
# opening one holds the title's words, the other the word the question asks about.
TITLED = """# The Paris treaty

The Paris treaty was signed there. The long war did end there.
"""
ENDING = "The long war did end there."


@pytest.fixture
def titled(tmp_path: Path):
    qa = hashed_service(tmp_path, {"paris.en.md": TITLED})
    yield qa
    qa.close()


def test_the_title_words_do_not_draw_the_highlight_to_the_opening_sentence(titled, one_sentence):
    assert highlight(titled, "What did the Paris treaty end?") == ENDING


def test_counting_the_title_words_would_pick_the_opening_sentence(
    titled, one_sentence, monkeypatch
):
    monkeypatch.setattr(present, "telling_words", lambda words, subject: words)
    assert highlight(titled, "What did the Paris treaty end?") != ENDING


def test_a_word_whose_translation_is_in_the_title_is_not_telling():
    def match(surface: str, *keys: str) -> WordMatch:
        return WordMatch(Word(surface, keys[0], "en"), 1.0, frozenset(keys))

    words = [match("paris", "paris", "باريس"), match("end", "end"), match("treaty", "treaty")]
    subject = frozenset({"باريس", "treaty"})
    assert [w.word.surface for w in present.telling_words(words, subject)] == ["end"]


def test_the_language_direction_does_not_pick_the_sentence() -> None:
    # e0 is what tells the question's language from the passage's; a sentence with a
    # word of the question's language leans that way, the answering one does not.
    english, arabic = np.array([1.0, 0.0, 0.0]), np.array([-1.0, 0.0, 0.0])
    question = np.array([0.8, 0.0, 0.6], dtype=np.float32)
    leaning, answering = [0.6, 0.8, 0.0], [-0.2, 0.0, 0.98]
    sentences = np.array([leaning, answering], dtype=np.float16)
    raw = present.sentence_similarities(question, sentences, 0.01, None)
    across = present.sentence_similarities(
        without_language(question, english, arabic), sentences, 0.01, None
    )
    assert np.argmax(raw) == 0
    assert np.argmax(across) == 1


class TwoMeans:
    """The two calibration lookups `across_languages` makes, for English and Arabic."""

    means = {"en": np.array([1.0, 0.0], dtype=np.float32), "ar": np.array([0.0, 1.0])}

    def question_language(self, language: str) -> str:
        return language if language in self.means else "en"

    def question_mean(self, language: str) -> np.ndarray | None:
        return self.means.get(language)


def test_a_question_over_another_languages_passage_loses_the_language_direction():
    question = np.array([0.6, 0.8], dtype=np.float32)
    across = present.across_languages(question, TwoMeans(), "en", "ar")
    assert float(across @ np.array([1.0, -1.0])) == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize(
    "asked, passage",
    [("en", "en"), ("fr", "en")],  # the same table row: no direction between them
)
def test_a_question_over_its_own_languages_passage_is_unchanged(asked, passage):
    question = np.array([0.6, 0.8], dtype=np.float32)
    assert np.array_equal(present.across_languages(question, TwoMeans(), asked, passage), question)


def test_without_recorded_means_the_question_is_unchanged():
    means = TwoMeans()
    means.means = {"en": means.means["en"]}
    question = np.array([0.6, 0.8], dtype=np.float32)
    assert np.array_equal(present.across_languages(question, means, "en", "ar"), question)
