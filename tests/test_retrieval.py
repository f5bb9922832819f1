"""The fusion rule: dense backbone, lexical evidence scaled by question coverage."""

from __future__ import annotations

from dataclasses import replace

import pytest

from rag.query.retrieve import RetrievalConfig, Retriever
from rag.service import QAService

ARABIC_DEV = [
    "لماذا تحتاج الصين إلى روسيا؟",
    "ما هي المدينة التي سيزورها بوتين غير بكين؟",
    "كم مرة التقى بوتين وشي جين بينغ؟",
]


def rows(retriever: Retriever, service: QAService, question: str, k: int = 5) -> list[int]:
    vector = service.embed_question(question)
    return [hit.row for hit in retriever.search(question, vector, k)]


@pytest.fixture
def retrievers(service: QAService) -> dict[str, Retriever]:
    index = service.snapshot().index
    base = service.retrieval
    return {
        mode: Retriever(index, replace(base, mode=mode), service.embedder)
        for mode in ("hybrid", "dense", "lexical")
    }


def test_question_with_no_corpus_words_and_no_translation_ranks_as_dense(service, retrievers):
    # Digits and an unknown name: nothing to match verbatim or to translate.
    question = "Zyxwvut 98765?"
    hybrid = Retriever(service.snapshot().index, service.retrieval, embedder=None)
    assert rows(hybrid, service, question) == rows(retrievers["dense"], service, question)


def test_coverage_is_zero_for_words_absent_from_corpus(service):
    retriever = Retriever(service.snapshot().index, service.retrieval, embedder=None)
    _, coverage = retriever.lexical_query("Zyxwvut quorbelfing?")
    assert coverage == 0.0


def test_arabic_question_has_full_coverage(service):
    retriever = service.snapshot().retriever
    _, coverage = retriever.lexical_query("لماذا تحتاج الصين إلى روسيا؟")
    assert coverage == 1.0


def test_english_question_gets_partial_coverage_through_translation(service):
    terms, coverage = service.snapshot().retriever.lexical_query("Which city will Putin visit?")
    assert 0.0 < coverage < 1.0
    assert terms  # translated Arabic match keys


def test_lexical_weight_zero_equals_semantic_ranking(service, retrievers):
    index = service.snapshot().index
    no_lexical = Retriever(index, replace(service.retrieval, lexical_weight=0.0), service.embedder)
    for question in ARABIC_DEV:
        assert rows(no_lexical, service, question) == rows(retrievers["dense"], service, question)


def test_hybrid_scores_add_lexical_evidence_to_dense(service, retrievers):
    question = ARABIC_DEV[1]
    vector = service.embed_question(question)
    hits = retrievers["hybrid"].search(question, vector, 5)
    weight = service.retrieval.lexical_weight
    for hit in hits:
        assert hit.score == pytest.approx(hit.dense + weight * 1.0 * hit.lexical, abs=1e-5)


def test_hybrid_is_not_worse_than_dense_on_arabic_named_entities(service, retrievers):
    question = "ما هي المدينة التي سيزورها بوتين غير بكين؟"
    top = rows(retrievers["hybrid"], service, question, 1)[0]
    assert "خاربين" in service.snapshot().index.passages[top].text


def test_search_returns_at_most_k_unique_passages(service, retrievers):
    found = rows(retrievers["hybrid"], service, "Why does China need Russia?", 4)
    assert len(found) == 4
    assert len(set(found)) == 4


def test_lexical_mode_ranks_by_bm25_only(service, retrievers):
    question = "خاربين"
    top = rows(retrievers["lexical"], service, question, 1)[0]
    assert "خاربين" in service.snapshot().index.passages[top].text


def test_default_config_is_hybrid():
    assert RetrievalConfig().mode == "hybrid"


def test_sentence_score_is_the_most_similar_sentence_of_each_passage(service, retrievers):
    index = service.snapshot().index
    table = index.sentences
    vector = service.embed_question("Which city will Putin visit besides Beijing?")
    for mode in ("hybrid", "dense"):
        for hit in retrievers[mode].search("Which city will Putin visit?", vector, 8):
            own = table.rows_of(hit.row)
            sims = table.vectors[own].astype("float32") @ vector
            assert hit.sentence == pytest.approx(float(sims.max()), abs=1e-5)
            assert hit.best_sentence in own
            if mode == "dense":
                assert hit.best_sentence == int(own[sims.argmax()])


@pytest.mark.parametrize(
    "question",
    ["Which city will Putin visit besides Beijing?", "ما هي المدينة التي سيزورها بوتين غير بكين؟"],
)
def test_highlight_is_the_sentence_holding_the_questions_terms(service, question):
    # By similarity alone the paragraph's first clause (the State Council meeting) wins.
    hit = service.ask(question, 3, document="putin-beijing").passages[0]
    assert "خاربين" in hit.text
    assert "خاربين" in hit.highlight


def test_without_lexical_weight_the_highlight_is_the_most_similar_sentence(service):
    index = service.snapshot().index
    plain = Retriever(index, replace(service.retrieval, lexical_weight=0.0), service.embedder)
    question = "ما هي المدينة التي سيزورها بوتين غير بكين؟"
    vector = service.embed_question(question)
    for hit in plain.search(question, vector, 5):
        own = index.sentences.rows_of(hit.row)
        sims = index.sentences.vectors[own].astype("float32") @ vector
        assert hit.best_sentence == int(own[sims.argmax()])
