"""Question words the corpus lacks are translated to corpus terms via the embedding space."""

from __future__ import annotations

import numpy as np
import pytest

from rag.index.terms import TermTranslator
from rag.text.arabic import tokenize
from rag.text.language import detect_language

ARABIC = [
    "سيزور الرئيس مدينة خاربين ويلتقي بطلاب جامعة خاربين.",
    "تبرز الزيارة التنسيق بشأن إيران وكوريا الشمالية.",
    "أعلن المتحدث باسم وزارة الخارجية الصينية موقف بكين.",
]


@pytest.fixture(scope="module")
def translator(embedder) -> TermTranslator:
    return TermTranslator.build(ARABIC, embedder)


@pytest.mark.parametrize(
    ("english", "arabic"),
    [("Harbin", "خاربين"), ("Iran", "إيران"), ("university", "جامعة"), ("spokesman", "المتحدث")],
)
def test_names_and_nouns_translate_to_their_arabic_terms(translator, embedder, english, arabic):
    [options] = translator.translate([english], embedder)
    assert tokenize(arabic)[0] in [o.key for o in options]


def test_unrelated_word_gets_no_translation(translator, embedder):
    [options] = translator.translate(["bread"], embedder)
    assert options == []


def test_same_script_neighbours_need_a_closer_match(embedder):
    # "pupils" -> professors (0.90) and "past" -> met (0.88) are topic, not translation.
    mixed = TermTranslator.build([*ARABIC, "Students and professors met officials."], embedder)
    pupils, past, harbin = mixed.translate(["pupils", "past", "Harbin"], embedder)
    assert all(detect_language(o.word) == "ar" for o in [*pupils, *past])
    assert [o.word for o in harbin] == ["خاربين"]


def test_inflections_in_the_same_script_still_match(embedder):
    mixed = TermTranslator.build([*ARABIC, "The visits were announced."], embedder)
    [options] = mixed.translate(["visit"], embedder)
    assert "visits" in [o.word for o in options]


def test_one_term_per_match_key(translator):
    assert len(translator.keys) == len(set(translator.keys))
    assert translator.keys.count(tokenize("خاربين")[0]) == 1  # twice in the text


def test_rebuild_reuses_vectors_of_known_terms(translator, embedder):
    class Counting:
        name, dim = embedder.name, embedder.dim
        calls: list[str] = []

        def embed_queries(self, texts):
            self.calls.extend(texts)
            return embedder.embed_queries(texts)

    counting = Counting()
    rebuilt = TermTranslator.build([*ARABIC, "مؤتمر جديد"], counting, previous=translator)
    assert sorted(counting.calls) == sorted(["مؤتمر", "جديد"])
    key = tokenize("خاربين")[0]
    row, old = rebuilt.keys.index(key), translator.keys.index(key)
    assert np.allclose(rebuilt.vectors[row], translator.vectors[old], atol=1e-3)


def test_save_and_load_round_trip(translator, tmp_path):
    translator.save(tmp_path)
    loaded = TermTranslator.load(tmp_path)
    assert loaded.keys == translator.keys
    assert loaded.surfaces == translator.surfaces
    assert np.allclose(loaded.vectors, translator.vectors, atol=1e-3)
