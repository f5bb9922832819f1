"""BM25 lexical index: ranking, Arabic variants, coverage and persistence."""

import json
from pathlib import Path

import numpy as np
import pytest

from rag.index.bm25 import VOCAB_FILE, BM25Index
from rag.text.arabic import tokenize

CORPUS = [
    "تُعد زيارة الرئيس الروسي فلاديمير بوتين إلى الصين حدثًا دبلوماسيًا مهمًا.",
    "يحتاج الرئيس الصيني إلى روسيا كثقل موازن في التنافس مع الولايات المتحدة.",
    "سيزور مدينة “خاربين” لحضور حفل افتتاح المعرض الروسي الصيني.",
    "أحمد السيد باحث ببرنامج العلاقات الدولية.",
]
ENGLISH = [
    "The cat sat on the mat.",
    "Dogs and cats are friends.",
    "Beijing hosted the Russian president.",
]


@pytest.fixture
def index() -> BM25Index:
    return BM25Index.build(CORPUS)


def test_scores_have_one_float32_per_text(index: BM25Index) -> None:
    scores = index.scores("الصين")
    assert scores.dtype == np.float32 and scores.shape == (len(CORPUS),)


def test_best_match_ranks_first(index: BM25Index) -> None:
    assert int(np.argmax(index.scores("لماذا تحتاج الصين روسيا كثقل موازن؟"))) == 1


def test_rare_term_outweighs_common_term(index: BM25Index) -> None:
    assert int(np.argmax(index.scores("الرئيس خاربين"))) == 2


def test_english_ranking() -> None:
    scores = BM25Index.build(ENGLISH).scores("which cats are friends?")
    assert int(np.argmax(scores)) == 1 and scores[2] == 0


def test_shorter_text_wins_on_equal_term_frequency() -> None:
    scores = BM25Index.build(["cat", "cat dog bird fish"]).scores("cat")
    assert scores[0] > scores[1] > 0


def test_prefixed_query_finds_definite_form(index: BM25Index) -> None:
    scores = index.scores("للصين")
    assert scores[0] > 0 and scores[3] == 0


def test_idf_is_higher_for_rarer_terms(index: BM25Index) -> None:
    [rare] = tokenize("خاربين")  # one text
    [common] = tokenize("الرئيس")  # two texts
    assert index.idf_of(rare) > index.idf_of(common) > 0


def test_unknown_key_gets_the_largest_idf(index: BM25Index) -> None:
    [rare] = tokenize("خاربين")
    assert index.idf_of("unknownkey") > index.idf_of(rare)


def test_rows_with_lists_the_postings(index: BM25Index) -> None:
    [rare] = tokenize("خاربين")
    assert list(index.rows_with(rare)) == [2]
    assert len(index.rows_with("unknownkey")) == 0


def test_unknown_terms_score_zero(index: BM25Index) -> None:
    assert not index.scores("البرازيل عاصمة").any()


def test_stopword_only_query_scores_zero(index: BM25Index) -> None:
    assert not index.scores("ما هو؟").any()


def test_empty_corpus_scores_nothing() -> None:
    assert BM25Index.build([]).scores("الصين").shape == (0,)


def test_save_load_round_trip(index: BM25Index, tmp_path: Path) -> None:
    index.save(tmp_path)
    loaded = BM25Index.load(tmp_path)
    query = "زيارة بوتين إلى الصين"
    np.testing.assert_array_equal(loaded.scores(query), index.scores(query))
    assert (loaded.k1, loaded.b, len(loaded)) == (index.k1, index.b, len(index))


def test_save_writes_plain_files(index: BM25Index, tmp_path: Path) -> None:
    index.save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bm25.npz", "bm25_vocab.json"]


def test_load_rejects_other_analyzer_version(index: BM25Index, tmp_path: Path) -> None:
    index.save(tmp_path)
    meta = json.loads((tmp_path / VOCAB_FILE).read_text(encoding="utf-8"))
    meta["analyzer"] = "0"
    (tmp_path / VOCAB_FILE).write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ValueError, match="analyzer"):
        BM25Index.load(tmp_path)
