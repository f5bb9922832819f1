"""Ranking in a bilingual archive: language correction, evidence across scripts, candidate pools.

The rules are checked on `BilingualEmbedder`, a synthetic model whose
same-language bias is known; `test_real_*` check the same behaviour on the
real model and the seed article.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from helpers import BilingualEmbedder, build

from rag.config import Settings
from rag.query.analyse import analyse
from rag.query.retrieve import RetrievalConfig
from rag.service import QAService

PAIRS = {
    "harbin": "خاربين",
    "university": "جامعة",
    "students": "طلاب",
    "oil": "النفط",
    "prices": "أسعار",
    "exhibition": "المعرض",
}
ARABIC = {
    "visit": "سيزور الرئيس مدينة خاربين ويلتقي طلاب جامعة خاربين في زيارة رسمية طويلة.",
    "oil": "ارتفعت أسعار النفط في الأسواق العالمية بعد قرار خفض الإنتاج هذا الشهر.",
    "army": "أجرى الجيش مناورات عسكرية واسعة قرب الحدود الشمالية للبلاد.",
}
ENGLISH = {
    "weather": "The weather in Paris stayed mild and sunny for the whole week of the festival.",
    "football": "The football club signed a new striker before the transfer window closed.",
}


def write_archive(folder: Path, arabic: dict[str, str], english: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in arabic.items():
        (folder / f"{name}.ar.md").write_text(f"# {name}\n\n{text}\n", encoding="utf-8")
    for name, text in english.items():
        (folder / f"{name}.en.md").write_text(f"# {name}\n\n{text}\n", encoding="utf-8")
    return folder


@pytest.fixture
def bilingual(tmp_path: Path):
    embedder = BilingualEmbedder(PAIRS)
    index = tmp_path / "index"
    build(write_archive(tmp_path / "seeds", ARABIC, ENGLISH), index, embedder)
    service = QAService(Settings(index_dir=index, _env_file=None), embedder=embedder)
    service.load()
    yield service
    service.close()


HARBIN = "Which university in Harbin will students visit?"  # English; the answer is Arabic


def top_document(service: QAService, question: str, k: int = 3, **retrieval: object) -> str:
    """The document of the first passage cited, with `retrieval` replacing the service's
    retrieval options (mode hybrid unless given)."""
    options = {"mode": "hybrid", **retrieval}
    service.use_retrieval(replace(service.retrieval, **options))
    return service.ask(question, k).passages[0].citation.document


def test_raw_similarity_prefers_the_questions_language(bilingual: QAService):
    # The fixture's bias: with plain paragraph similarity an unrelated English
    # passage outranks the Arabic one about Harbin.
    assert top_document(bilingual, HARBIN, mode="dense") in ENGLISH


def test_language_correction_finds_the_passage_in_the_other_language(bilingual: QAService):
    assert top_document(bilingual, HARBIN) == "visit"


def test_language_correction_alone_finds_it_without_term_evidence(bilingual: QAService):
    assert top_document(bilingual, HARBIN, evidence_weight=0.0) == "visit"


def test_language_correction_keeps_same_language_ranking(bilingual: QAService):
    assert top_document(bilingual, "Where was the weather mild and sunny?") == "weather"


def test_candidates_are_drawn_per_language(bilingual: QAService):
    # A pool of one per language still holds the Arabic answer to an English question.
    assert top_document(bilingual, HARBIN, k=5, candidates=1) == "visit"


def test_evidence_is_the_idf_share_of_the_question_found_in_the_passage(bilingual: QAService):
    snapshot = bilingual.snapshot()
    index = snapshot.index
    query = analyse("oil prices army", index.languages)
    vectors = bilingual.query_embedder.embed(query)
    retrieval = snapshot.retriever.retrieve(query, vectors, 5)
    by_doc = {index.passages[c.row].document: c.evidence for c in retrieval.candidates}
    weights = {m.word.surface: m.weight for m in retrieval.words}
    total = sum(weights.values())
    # "oil" and "prices" reach the Arabic oil passage through their translations.
    assert by_doc["oil"] == pytest.approx((weights["oil"] + weights["prices"]) / total)
    assert by_doc["weather"] == 0.0


def test_a_name_counts_only_through_the_transliteration_nearest_it(tmp_path: Path):
    # Victoria's skeleton (FKTR) also matches اختار, "he chose" (KTR): a skeleton
    # is lossy, and the embedding decides which of its matches is the name.
    arabic = {
        "victoria": "وصلت فيكتوريا إلى المدينة صباح الأحد في زيارة قصيرة.",
        "council": "اختار المجلس رئيسا جديدا للبلدية بعد جلسة طويلة.",
    }
    embedder = BilingualEmbedder({**PAIRS, "victoria": "فيكتوريا"})
    build(write_archive(tmp_path / "seeds", arabic, ENGLISH), tmp_path / "index", embedder)
    service = QAService(Settings(index_dir=tmp_path / "index", _env_file=None), embedder=embedder)
    service.load()
    snapshot = service.snapshot()
    terms = snapshot.index.terms
    matched = {terms.surfaces[r] for r in terms.transliterations("Victoria", "ar")}
    assert {"فيكتوريا", "اختار"} <= matched
    query = analyse("Victoria", snapshot.index.languages)
    retrieval = snapshot.retriever.retrieve(query, service.query_embedder.embed(query), 3)
    [victoria] = retrieval.words
    assert {terms.surfaces[r] for r in _rows(snapshot, victoria.keys)} == {"فيكتوريا"}
    service.close()


def test_default_config_is_hybrid():
    assert RetrievalConfig().mode == "hybrid"


# -- the real model on the seed corpus --------------------------------------------------


def test_real_search_returns_at_most_k_unique_passages(service: QAService):
    found = [p.citation.id for p in service.ask("Why does China need Russia?", 4).passages]
    assert len(found) == 4 == len(set(found))


@pytest.mark.parametrize(
    "question",
    ["Which city will Putin visit besides Beijing?", "ما هي المدينة التي سيزورها بوتين غير بكين؟"],
)
def test_real_named_city_is_found_in_both_languages(service: QAService, question: str):
    top = service.ask(question, 3, document="putin-beijing").passages[0]
    assert "خاربين" in top.text
    assert "خاربين" in top.highlight


def test_real_english_name_reaches_its_arabic_spelling(service: QAService):
    snapshot = service.snapshot()
    query = analyse("Harbin", snapshot.index.languages)
    retrieval = snapshot.retriever.retrieve(query, service.query_embedder.embed(query), 3)
    [harbin] = retrieval.words
    assert any("خاربين" in snapshot.index.terms.surfaces[r] for r in _rows(snapshot, harbin.keys))


def _rows(snapshot, keys) -> list[int]:
    terms = snapshot.index.terms
    return [r for r in (terms.row_of(k) for k in keys) if r is not None]
