"""Translation by mutual nearest neighbours, on a hand-made term table (no model floats)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from helpers import hashed_service

import rag.query.translate
from rag.index.terms import TermTable
from rag.query.analyse import Word
from rag.query.embed import QueryVectors
from rag.query.translate import TRANSLATION_CANDIDATES, _mutual_translations

BALL = Word("ball", "ball", "en")


def _unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def _translations(arabic: dict[str, np.ndarray], english: dict[str, np.ndarray]) -> list[str]:
    surfaces = [*arabic, *english]
    languages = ["ar"] * len(arabic) + ["en"] * len(english)
    table = TermTable(
        surfaces, surfaces, languages, np.vstack([*arabic.values(), *english.values()])
    )
    index = SimpleNamespace(terms=table)
    vectors = QueryVectors(_unit(1, 0, 0, 0), {"ball": _unit(1, 0, 0, 0)})
    return [key for _, key in _mutual_translations(index, [BALL], vectors, "ar")]


def test_the_nearest_term_translates_when_the_word_is_its_nearest_back():
    arabic = {"كرة": _unit(1, 0.2, 0, 0), "مال": _unit(0, 1, 0, 0)}
    assert _translations(arabic, {"money": _unit(0, 1, 0.1, 0)}) == ["كرة"]


def test_a_nearest_term_with_a_nearer_word_of_its_own_gives_way_to_the_next():
    # مال is nearest "ball", but "money" is nearer to it: the translation is كرة.
    arabic = {"مال": _unit(1, 0.3, 0, 0), "كرة": _unit(1, 0, 0.5, 0)}
    english = {"money": _unit(1, 0.35, 0, 0)}
    assert _translations(arabic, english) == ["كرة"]


def test_every_passing_candidate_is_returned_nearest_first():
    # The first is the translation; `match_words` lets a later one count only
    # when the dictionary confirms it (tests/test_dictionary.py).
    arabic = {"ملعب": _unit(1, 0, 0.4, 0), "كرة": _unit(1, 0.1, 0, 0), "لعب": _unit(1, 0.3, 0, 0)}
    assert _translations(arabic, {"money": _unit(0, 0, 0, 1)}) == ["كرة", "لعب", "ملعب"]


def test_no_translation_beyond_the_candidates():
    # Every nearer Arabic term has its own English word; the one that would pass is too far.
    near = {f"t{i}": _unit(1, 0.1 * (i + 1), 0, 0) for i in range(TRANSLATION_CANDIDATES)}
    english = {f"w{i}": _unit(1, 0.1 * (i + 1), 0, 0) for i in range(TRANSLATION_CANDIDATES)}
    arabic = {**near, "كرة": _unit(1, 0, 0, 2)}
    assert _translations(arabic, english) == []


def test_a_number_is_never_a_translation():
    # 2018 stands nearest "ball" and no English term is nearer to it, yet a number
    # is written alike in both languages: the next candidate translates.
    arabic = {"2018": _unit(1, 0.05, 0, 0), "كرة": _unit(1, 0.2, 0, 0)}
    assert _translations(arabic, {"money": _unit(0, 1, 0, 0)}) == ["كرة"]


def test_a_number_in_the_question_is_not_translated(tmp_path, monkeypatch):
    asked = []

    def spy(index, words, vectors, language):
        asked.extend(w.surface for w in words)
        return []

    monkeypatch.setattr(rag.query.translate, "_mutual_translations", spy)
    qa = hashed_service(tmp_path, {"treaty.ar.md": "# المعاهدة\n\nوقعت المعاهدة سنة 1998.\n"})
    qa.ask("Was the treaty signed in 1998?", 1)
    qa.close()
    assert "treaty" in asked  # the other words were asked about
    assert "1998" not in asked
