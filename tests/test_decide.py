"""Step 4: the no-answer rule and the intents, on synthetic candidates and on the real model."""

from __future__ import annotations

import copy
import json
import re
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from rag.errors import DocumentNotFoundError
from rag.query.analyse import analyse
from rag.query.decide import (
    EVIDENCE_WEIGHT,
    SAME_ARTICLE_CANDIDATES,
    SAME_ARTICLE_WEIGHT,
    confidence_of,
    decide,
    same_article,
)
from rag.query.embed import QueryVectors
from rag.query.retrieve import Candidate, Retrieval, Retriever
from rag.query.translate import WordMatch
from rag.service import QAService
from rag.text.arabic import tokenize

EVAL = Path(__file__).resolve().parents[1] / "eval"
OUT_OF_SCOPE = ["What is the capital of Brazil?", "ما هي عاصمة البرازيل؟", "How do I bake bread?"]
SMALL_TALK = ["hello", "Thanks!", "who are you?", "test", "مرحبا", "شكرا جزيلا", "السلام عليكم"]


def eval_questions(*names: str) -> list[dict]:
    lines = [line for name in names for line in (EVAL / name).read_text("utf-8").splitlines()]
    return [json.loads(line) for line in lines if line.strip()]


def candidate(z: float, evidence: float = 0.0) -> Candidate:
    return Candidate(0, z, 0.8, 0.8, z, evidence, -1, "ar")


def decision_for(service: QAService, *candidates: Candidate, decision_z: float | None = None):
    index = service.snapshot().index
    ranked = [replace(c, decision_z=decision_z) if i == 0 else c for i, c in enumerate(candidates)]
    retrieval = Retrieval(ranked, [], np.zeros(len(index.passages)), {})
    vectors = QueryVectors(np.zeros(index.vectors.d, dtype=np.float32), {})
    return decide(index, vectors, retrieval, intents=None, query_language="ar")


def floor(service: QAService) -> float:
    """Where the median background question's best Arabic passage stands, for this index."""
    percentile = service.settings.no_answer_percentile
    return service.snapshot().index.calibration.floor("ar", "ar", percentile)


def test_confidence_is_spreads_above_unrelated_plus_evidence():
    assert confidence_of(candidate(2.0, 0.5)) == 2.0 + EVIDENCE_WEIGHT * 0.5


def test_a_passage_standing_above_the_floor_is_an_answer(service: QAService):
    assert decision_for(service, candidate(floor(service) + 1)).answered


def test_a_passage_no_better_than_a_background_questions_is_no_answer(service: QAService):
    assert not decision_for(service, candidate(floor(service) - 1)).answered


def test_evidence_lifts_a_weak_similarity_to_an_answer(service: QAService):
    # The question's words found in the passage (in any language) count.
    assert decision_for(service, candidate(floor(service) - 1, evidence=0.5)).answered


def centred_floor(service: QAService) -> float:
    percentile = service.settings.no_answer_percentile
    return service.snapshot().index.calibration.centred.floor("ar", "ar", percentile)


def test_the_decision_reads_the_centred_z_against_the_centred_floor(service: QAService):
    # The plain z would say the opposite each time: only the centred one decides.
    high, low = floor(service) + 5, floor(service) - 5
    assert decision_for(service, candidate(low), decision_z=centred_floor(service) + 1).answered
    assert not decision_for(
        service, candidate(high), decision_z=centred_floor(service) - 1
    ).answered


def test_the_centred_evidence_still_counts(service: QAService):
    weak = candidate(floor(service) - 5, evidence=0.5)
    assert decision_for(service, weak, decision_z=centred_floor(service) - 1).answered


def at_rows(rows, z: float = 0.0) -> list[Candidate]:
    return [replace(candidate(z), row=int(row)) for row in rows]


def article_rows(service: QAService, document: str) -> range:
    return service.snapshot().index.document_rows[document]


def test_candidates_from_the_top_article_count_beyond_chance(service: QAService):
    index = service.snapshot().index
    seed, other = (article_rows(service, d) for d in sorted(index.document_rows))
    following = SAME_ARTICLE_CANDIDATES - 1
    chance = following * (len(seed) - 1) / (len(index.passages) - 1)
    assert same_article(index, at_rows(seed[:SAME_ARTICLE_CANDIDATES])) == pytest.approx(
        following - chance
    )
    mixed = at_rows([seed[0], other[0], other[1], seed[1], other[2]])
    assert same_article(index, mixed) == pytest.approx(1 - chance)


def test_in_an_index_of_one_article_every_candidate_is_chance():
    passages = [SimpleNamespace(document="only") for _ in range(12)]
    index = SimpleNamespace(passages=passages, document_rows={"only": range(12)})
    assert same_article(index, at_rows(range(6))) == 0.0


def test_one_candidate_has_no_article_support(service: QAService):
    assert same_article(service.snapshot().index, at_rows([0])) == 0.0


def test_an_article_that_supplies_the_next_candidates_lifts_a_weak_answer(service: QAService):
    index = service.snapshot().index
    seed = article_rows(service, "putin-beijing")
    rows = seed[:SAME_ARTICLE_CANDIDATES]
    lift = SAME_ARTICLE_WEIGHT * same_article(index, at_rows(rows))
    assert lift > 0.2
    weak = at_rows(rows, z=floor(service) - lift / 2)
    assert decision_for(service, *weak).answered
    # The same top passage with candidates of the other article after it stays refused.
    others = [r for r in range(len(index.passages)) if r not in seed][: len(rows) - 1]
    scattered = at_rows([rows[0], *others], z=floor(service) - lift / 2)
    assert not decision_for(service, *scattered).answered


def test_a_question_scoped_to_one_article_is_not_lifted_by_it(service: QAService):
    index = service.snapshot().index
    rows = article_rows(service, "putin-beijing")[:SAME_ARTICLE_CANDIDATES]
    weak = at_rows(rows, z=floor(service) - 0.1)
    retrieval = Retrieval(weak, [], np.zeros(len(index.passages)), {})
    vectors = QueryVectors(np.zeros(index.vectors.d, dtype=np.float32), {})
    scoped = decide(index, vectors, retrieval, None, "putin-beijing", "ar")
    assert not scoped.answered
    assert decide(index, vectors, retrieval, None, None, "ar").answered


def key_only_in(service: QAService, document: str) -> str:
    """A match key that only passages of `document` hold."""
    index = service.snapshot().index
    rows = article_rows(service, document)
    for key in tokenize(index.passages[rows.start].text):
        held = index.lexical.rows_with(key)
        if len(held) and all(int(r) in rows for r in held):
            return key
    raise AssertionError(f"no key of its own in {document}")


def with_words(service: QAService, keys, document=None, surface="Brent", weight=1.0):
    """A top passage far above the floor, for a question of one word counted as `keys`."""
    index = service.snapshot().index
    word = analyse(surface, index.languages).words[0]
    match = WordMatch(word, weight, frozenset(keys))
    retrieval = Retrieval([candidate(floor(service) + 10)], [match], np.zeros(1), {})
    vectors = QueryVectors(np.zeros(index.vectors.d, dtype=np.float32), {})
    return decide(index, vectors, retrieval, None, document, "ar")


def other_document(service: QAService) -> str:
    return next(d for d in service.snapshot().index.document_rows if d != "putin-beijing")


def test_a_question_whose_words_the_index_holds_nowhere_gets_no_answer(service: QAService):
    assert not with_words(service, []).answered


def test_one_passage_anywhere_holding_a_word_leaves_it_to_the_confidence(service: QAService):
    assert with_words(service, [key_only_in(service, other_document(service))]).answered


def test_a_scoped_question_needs_its_words_in_that_document(service: QAService):
    elsewhere = key_only_in(service, other_document(service))
    assert not with_words(service, [elsewhere], "putin-beijing").answered
    assert with_words(service, [key_only_in(service, "putin-beijing")], "putin-beijing").answered


def test_a_question_without_content_words_is_left_to_the_confidence(service: QAService):
    assert with_words(service, [], weight=0.0).answered


def test_words_for_the_article_itself_are_left_to_the_confidence(service: QAService):
    # "ما موضوع المقال؟": the article need not hold the word "article" to be asked about.
    assert with_words(service, [], surface="المقال").answered


def test_a_topic_the_article_holds_no_word_of_gets_no_answer(service: QAService):
    # Its best passage stands above the lowest answered English question (`make eval`).
    response = service.ask("What is the current price of Brent crude oil?", 3)
    assert response.answer is None
    assert len(response.passages) == 3


def retrieval_of(service: QAService, question: str, index=None) -> Retrieval:
    index = index or service.snapshot().index
    query = analyse(question, index.languages, 2000)
    return Retriever(index).retrieve(query, service.query_embedder.embed(query), 3)


def test_the_best_candidate_carries_its_centred_z(service: QAService):
    best = retrieval_of(service, "Why does China need Russia?").candidates[0]
    assert best.decision_z is not None
    assert best.decision_z != best.z


def test_an_index_calibrated_without_centred_tables_decides_as_before(service: QAService):
    index = copy.copy(service.snapshot().index)
    index.calibration = replace(index.calibration, centred=None)
    best = retrieval_of(service, "Why does China need Russia?", index).candidates[0]
    assert best.decision_z is None


def test_the_floor_is_fitted_per_language_pair(service: QAService):
    tops = service.snapshot().index.calibration.background_tops
    assert set(tops) == {"ar", "en"}
    assert all(set(row) == service.snapshot().index.languages for row in tops.values())


def test_no_candidates_is_no_answer(service: QAService):
    assert not decision_for(service).answered


@pytest.mark.parametrize("question", OUT_OF_SCOPE)
def test_out_of_scope_questions_get_no_answer(service: QAService, question: str):
    response = service.ask(question, 3)
    assert response.answer is None
    assert len(response.passages) == 3  # the closest passages are still listed


@pytest.mark.parametrize(
    "question", ["Why does China need Russia?", "لماذا تحتاج الصين إلى روسيا؟"]
)
def test_in_scope_question_is_answered_verbatim(service: QAService, question: str):
    response = service.ask(question, 3)
    assert response.answer is not None
    assert response.answer.citations == [1]
    assert response.answer.text in response.passages[0].text


def test_every_in_scope_eval_question_is_answered(service: QAService):
    questions = eval_questions("dev.jsonl", "heldout.jsonl", "blind.jsonl")
    in_scope = [q for q in questions if q["gold"]]
    unanswered = [q["id"] for q in in_scope if service.ask(q["question"], 3).answer is None]
    assert len(in_scope) >= 70
    assert unanswered == []


def test_out_of_scope_eval_questions_get_no_answer(service: QAService):
    # o18 (India's position on the war) is a known miss: see rag/query/decide.py.
    questions = eval_questions("out_of_scope.jsonl", "heldout.jsonl", "blind.jsonl")
    out = [q for q in questions if not q["gold"] and q["id"] != "o18"]
    answered = [q["id"] for q in out if service.ask(q["question"], 3).answer is not None]
    assert len(out) >= 13
    # The floor refuses this share of questions unrelated to the archive.
    assert len(answered) <= len(out) * (1 - service.settings.no_answer_percentile / 100)


@pytest.mark.parametrize("text", SMALL_TALK)
def test_small_talk_gets_no_answer_but_keeps_passages(service: QAService, text: str):
    response = service.ask(text, 3)
    assert response.answer is None
    assert len(response.passages) == 3


@pytest.mark.parametrize(
    "question", ["What can China do for Russia?", "كيف ينظر كل من البلدين إلى الآخر؟"]
)
def test_short_content_questions_are_not_small_talk(service: QAService, question: str):
    assert service.ask(question, 3, document="putin-beijing").answer is not None


def test_highlight_is_one_sentence_of_the_passage(service: QAService):
    response = service.ask("Which city will Putin visit besides Beijing?", 3)
    for hit in response.passages:
        assert hit.highlight in hit.text
        # A sentence may hold commas (pieces of it), never the end of another sentence.
        assert not re.search(r"[.!?؟]\s", hit.highlight.rstrip()), hit.highlight


@pytest.mark.parametrize("question", ["Who wrote this article?", "من كاتب المقال؟"])
def test_author_question_answers_from_the_cited_documents_byline(service: QAService, question):
    response = service.ask(question, 3)
    top = response.passages[0]
    doc = service.document(top.citation.document)
    assert response.answer is not None
    assert response.answer.text == doc.author.text
    assert top.citation.paragraph is None
    assert top.citation.id == f"{doc.id}#author"
    assert doc.source[top.citation.start : top.citation.end] == top.text


def test_arabic_author_question_gets_the_arabic_byline_and_affiliation(service: QAService):
    response = service.ask("من كاتب المقال؟", 3)
    assert response.answer is not None
    assert response.answer.text == "أحمد السيد"
    assert "باحث ببرنامج العلاقات الدولية" in response.passages[0].text


def test_title_question_answers_from_title(service: QAService):
    response = service.ask("ما عنوان المقال؟", 3)
    assert response.answer is not None
    assert response.answer.text == "بوتين في بكين شراكة استراتيجية تواجه تحديات دولية"
    assert response.passages[0].citation.url == "/documents/putin-beijing#title"


def test_content_question_starting_with_who_is_not_a_metadata_question(service: QAService):
    response = service.ask("Who is the spokesman of the Chinese foreign ministry?", 3)
    assert response.passages[0].citation.paragraph is not None
    assert "وانغ وين" in response.passages[0].text


def test_metadata_answer_keeps_top_k_passages(service: QAService):
    response = service.ask("Who wrote this article?", 3)
    assert [p.rank for p in response.passages] == [1, 2, 3]


def test_document_scope_answers_this_article_not_the_top_ranked_one(service: QAService):
    # Unscoped, the English question's top document is the English test article.
    assert service.ask("Who wrote this article?", 3).answer.text != "أحمد السيد"
    scoped = service.ask("Who wrote this article?", 3, document="putin-beijing")
    assert scoped.answer is not None
    assert scoped.answer.text == "أحمد السيد"


def test_document_scope_returns_only_that_documents_passages(service: QAService):
    response = service.ask("How do chat widgets leak?", 5, document="putin-beijing")
    assert response.passages
    assert {p.citation.document for p in response.passages} == {"putin-beijing"}


def test_unknown_document_scope_is_an_error(service: QAService):
    with pytest.raises(DocumentNotFoundError):
        service.ask("Why does China need Russia?", 3, document="no-such-article")
