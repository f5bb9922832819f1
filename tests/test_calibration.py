"""The calibration: how an unrelated passage scores, fitted from the index and stored in it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from helpers import BilingualEmbedder, build, write_seeds

from rag.index.background import BACKGROUND_QUESTIONS, LEVEL_QUESTIONS
from rag.index.calibration import (
    MIN_LEVEL_DOCUMENTS,
    Calibration,
    blended_similarity,
    fit_calibration,
    sample_rows,
)
from rag.index.store import IndexStore, SentenceTable


class Constant:
    """Every background question scores `level[b] + noise` against passages of language b."""

    name, dim = "constant", 4

    def embed_queries(self, texts):
        return np.zeros((len(texts), self.dim), dtype=np.float32)


def fitted(levels: dict[str, float], documents: dict[str, int]) -> Calibration:
    rows = {"ar": range(0, 40), "en": range(40, 60)}
    rng = np.random.default_rng(0)

    def similarity(queries, sample):
        language = "ar" if sample[0] < 40 else "en"
        return levels[language] + 0.01 * rng.standard_normal((len(queries), len(sample)))

    def nearest(queries, rows, k):
        return [np.arange(rows.start, rows.stop)[:k] for _ in queries]

    return fit_calibration(Constant(), "constant", rows, documents, similarity, nearest)


def test_offsets_are_the_median_unrelated_similarity_per_language_pair():
    calibration = fitted({"ar": 0.75, "en": 0.70}, {"ar": 30, "en": 5})
    for question_language in ("ar", "en"):
        assert calibration.offsets[question_language]["ar"] == pytest.approx(0.75, abs=0.005)
        assert calibration.offsets[question_language]["en"] == pytest.approx(0.70, abs=0.005)
        assert 0.004 < calibration.spreads[question_language]["en"] < 0.01


class MarksLevelQuestions(Constant):
    """A level question's vector says so (first component 1), a background question's not."""

    _level = frozenset(text for pair in LEVEL_QUESTIONS for text in pair)

    def embed_queries(self, texts):
        vectors = super().embed_queries(texts)
        vectors[:, 0] = [text in self._level for text in texts]
        return vectors


def test_the_level_comes_from_the_level_questions_and_the_spread_from_the_background():
    rows = {"ar": range(0, 40), "en": range(40, 60)}
    rng = np.random.default_rng(0)

    def similarity(queries, sample):
        english = sample[0] >= 40
        # Asked like a reader's question, a question scores English passages 0.04 higher.
        level = (
            np.where(queries[:, :1] > 0, 0.74, 0.70)
            if english
            else np.full((len(queries), 1), 0.75)
        )
        return level + 0.005 * rng.standard_normal((len(queries), len(sample)))

    def nearest(queries, rows, k):
        return [np.arange(rows.start, rows.stop)[:k] for _ in queries]

    calibration = fit_calibration(
        MarksLevelQuestions(), "marks", rows, {"ar": 30, "en": 5}, similarity, nearest
    )
    assert calibration.offsets["en"]["en"] == pytest.approx(0.74, abs=0.002)
    assert calibration.offsets["en"]["ar"] == pytest.approx(0.75, abs=0.002)
    # The 0.04 between the two kinds of question is no part of the spread.
    assert calibration.spreads["en"]["en"] < 0.006
    tops = calibration.background_tops["en"]["en"]
    assert len(tops) == len(BACKGROUND_QUESTIONS)
    # A background question's best English passage stands below the level questions' level.
    assert float(np.median(tops)) < 0


def test_the_largest_language_gives_each_question_its_own_level():
    calibration = fitted({"ar": 0.75, "en": 0.70}, {"ar": MIN_LEVEL_DOCUMENTS, "en": 5})
    assert calibration.level_language == "ar"
    # A question scoring 0.80 on a typical Arabic passage expects 0.05 less in English.
    assert calibration.level("en", "en", own_level=0.80) == pytest.approx(0.75, abs=0.01)


def test_a_small_index_uses_the_table_level():
    calibration = fitted({"ar": 0.75, "en": 0.70}, {"ar": 1, "en": 1})
    assert calibration.level_language is None
    assert calibration.level("en", "ar", own_level=0.99) == calibration.offsets["en"]["ar"]


def test_the_floor_is_a_percentile_of_the_background_questions_best_passages():
    calibration = fitted({"ar": 0.75, "en": 0.70}, {"ar": 30, "en": 5})
    tops = calibration.background_tops["ar"]["ar"]
    assert tops == sorted(tops) and len(tops) == len(BACKGROUND_QUESTIONS)
    low, median, high = (calibration.floor("ar", "ar", p) for p in (10, 50, 90))
    assert low < median < high
    assert median == pytest.approx(float(np.median(tops)))


def test_a_question_in_another_script_uses_the_english_row():
    calibration = fitted({"ar": 0.75, "en": 0.70}, {"ar": 1, "en": 1})
    assert calibration.spread("fr", "ar") == calibration.spreads["en"]["ar"]


def test_sample_rows_are_evenly_spaced_and_deterministic():
    rows = sample_rows(range(100, 10_100), limit=5)
    assert list(rows) == list(sample_rows(range(100, 10_100), limit=5))
    assert rows[0] == 100 and rows[-1] == 10_099 and len(rows) == 5


def test_round_trip_through_the_manifest():
    calibration = fitted({"ar": 0.75, "en": 0.70}, {"ar": 30, "en": 5})
    assert Calibration.from_dict(json.loads(json.dumps(calibration.to_dict()))) == calibration


def test_the_index_stores_a_calibration_tied_to_its_model(tmp_path: Path):
    embedder = BilingualEmbedder({"harbin": "خاربين"})
    build(write_seeds(tmp_path / "seeds"), tmp_path / "index", embedder)
    index = IndexStore(tmp_path / "index").load()
    assert index.calibration.model == index.model == embedder.name
    assert set(index.calibration.offsets) == {"ar", "en"}
    assert set(index.calibration.offsets["en"]) == index.languages
    # The bias is measured: English questions score English passages higher.
    offsets = index.calibration.offsets["en"]
    assert offsets["en"] > offsets["ar"]
    assert index.manifest["calibration"]["background_questions"] == len(BACKGROUND_QUESTIONS)
    assert index.manifest["calibration"]["level_questions"] == len(LEVEL_QUESTIONS)


def _table(pieces: list[int]) -> SentenceTable:
    owners = np.repeat(np.arange(len(pieces)), pieces).astype(np.int32)
    zeros = np.zeros(len(owners), dtype=np.int32)
    vectors = np.tile(np.array([[1.0, 0.0]], dtype=np.float16), (len(owners), 1))
    return SentenceTable(owners, zeros, zeros, vectors, passages=len(pieces))


def test_the_best_sentence_counts_more_in_a_passage_of_more_sentences():
    # Every sentence matches the question fully and every paragraph vector not at
    # all, so the blend is the best sentence's share: none for one sentence.
    table = _table([1, 2, 5])
    paragraphs = np.array([[0.0, 1.0]] * 3, dtype=np.float32)
    sims = blended_similarity(np.array([1.0, 0.0]), paragraphs, np.arange(3), table, 0.5)
    assert sims.blended[0].tolist() == pytest.approx([0.0, 0.25, 0.4])


def test_a_passage_without_sentences_keeps_its_paragraph_similarity():
    table = _table([0, 3])
    paragraphs = np.array([[0.6, 0.8], [0.6, 0.8]], dtype=np.float32)
    sims = blended_similarity(np.array([1.0, 0.0]), paragraphs, np.arange(2), table, 0.5)
    assert sims.blended[0][0] == pytest.approx(0.6)
    assert sims.blended[0][1] > 0.6


def test_a_calibration_written_before_the_rule_keeps_its_fixed_share():
    # An index built under the fixed share was calibrated with it; reading its
    # weight under the pieces rule would score it against levels it never had.
    data = fitted({"ar": 0.75, "en": 0.70}, {"ar": 30, "en": 5}).to_dict()
    del data["sentence_rule"]
    old = Calibration.from_dict(data)
    table = _table([1, 2, 5])
    paragraphs = np.array([[0.0, 1.0]] * 3, dtype=np.float32)
    sims = blended_similarity(np.array([1.0, 0.0]), paragraphs, np.arange(3), table, *old.blend())
    assert old.blend() == (data["sentence_weight"], "fixed")
    assert sims.blended[0].tolist() == pytest.approx([data["sentence_weight"]] * 3)


def test_a_new_calibration_records_the_pieces_rule():
    calibration = fitted({"ar": 0.75, "en": 0.70}, {"ar": 30, "en": 5})
    assert calibration.to_dict()["sentence_rule"] == "pieces"
    assert calibration.blend()[1] == "pieces"


def test_an_unknown_sentence_rule_is_refused():
    with pytest.raises(ValueError, match="unknown sentence rule"):
        blended_similarity(np.array([1.0, 0.0]), np.eye(2), np.arange(2), _table([1, 1]), 0.5, "x")


def test_a_manifest_with_an_unknown_sentence_rule_is_refused_at_load():
    data = fitted({"ar": 0.75, "en": 0.70}, {"ar": 30, "en": 5}).to_dict()
    data["sentence_rule"] = "typo"
    with pytest.raises(ValueError, match="unknown sentence rule"):
        Calibration.from_dict(data)


@pytest.mark.parametrize(("rules", "rule"), [(3, "fixed"), (4, "pieces")])
def test_an_index_that_did_not_record_its_sentence_rule_loads_with_the_one_it_was_built_with(
    tmp_path: Path, rules: int, rule: str
):
    build(write_seeds(tmp_path / "seeds"), tmp_path / "index", BilingualEmbedder({}))
    store = IndexStore(tmp_path / "index")
    manifest_path = store.current_path() / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    del manifest["calibration"]["sentence_rule"]
    manifest["rules"] = rules
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    assert store.load().calibration.sentence_rule == rule


class Hashed(Constant):
    """Each text its own fixed vector, so that a mean can be checked."""

    def embed_queries(self, texts):
        return np.array(
            [np.random.default_rng(sum(map(ord, t))).random(self.dim) for t in texts],
            dtype=np.float32,
        )


def test_the_calibration_records_each_languages_background_question_mean():
    rows = {"ar": range(0, 40), "en": range(40, 60)}

    def similarity(queries, sample):
        return np.zeros((len(queries), len(sample)))

    def nearest(queries, rows, k):
        return [np.arange(rows.start, rows.stop)[:k] for _ in queries]

    embedder = Hashed()
    calibration = fit_calibration(embedder, "hashed", rows, {"ar": 30}, similarity, nearest)
    for column, language in enumerate(("en", "ar")):
        vectors = embedder.embed_queries([pair[column] for pair in BACKGROUND_QUESTIONS])
        assert calibration.question_mean(language) == pytest.approx(vectors.mean(axis=0), abs=1e-6)
    # Another script reads the English row, as every other table does.
    assert calibration.question_mean("fr") == pytest.approx(calibration.question_mean("en"))


def test_a_calibration_without_question_means_centres_nothing():
    data = fitted({"ar": 0.75, "en": 0.70}, {"ar": 30, "en": 5}).to_dict()
    del data["question_means"]
    assert Calibration.from_dict(data).question_mean("ar") is None


def test_the_calibration_fits_centred_tables_for_every_language_pair():
    calibration = fitted({"ar": 0.75, "en": 0.70}, {"ar": 30, "en": 5})
    centred = calibration.centred
    assert centred is not None and centred.centred is None
    assert set(centred.background_tops) == set(calibration.background_tops)
    for a, row in calibration.offsets.items():
        assert set(centred.offsets[a]) == set(row)


def test_a_calibration_without_centred_tables_still_loads():
    data = fitted({"ar": 0.75, "en": 0.70}, {"ar": 30, "en": 5}).to_dict()
    del data["centred"]
    assert Calibration.from_dict(data).centred is None


def test_a_subset_of_the_sentence_table_scores_its_rows_as_the_whole_table_does():
    rng = np.random.default_rng(1)
    pieces = [2, 0, 3, 1, 4]
    owners = np.repeat(np.arange(len(pieces)), pieces).astype(np.int32)
    spans = np.arange(len(owners), dtype=np.int32)
    vectors = rng.standard_normal((len(owners), 8)).astype(np.float16)
    table = SentenceTable(owners, spans, spans + 1, vectors, passages=len(pieces))
    rows = np.array([0, 1, 2, 4])
    queries = rng.standard_normal((2, 8)).astype(np.float32)
    fallback = np.zeros((2, len(rows)), dtype=np.float32)
    whole, _ = table.best(queries, rows, fallback)
    part, _ = table.subset(rows).best(queries, np.arange(len(rows)), fallback)
    assert part == pytest.approx(whole, abs=1e-5)
    assert table.subset(rows).starts.tolist() == [0, 1, 2, 3, 4, 6, 7, 8, 9]
