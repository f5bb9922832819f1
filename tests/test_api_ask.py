"""The /ask contract of DESIGN.md, field by field, on the real model and a real index."""

from __future__ import annotations

import urllib.parse

import pytest
from fastapi.testclient import TestClient

QUESTIONS = [
    "why does China need Russia?",
    "لماذا تحتاج الصين إلى روسيا؟",
    "why do chat widgets need an origin allowlist?",
]
OUT_OF_SCOPE = "What is the capital of Brazil?"

TOP_LEVEL = {"id", "question", "language", "answer", "passages", "took_ms"}
PASSAGE = {"rank", "score", "text", "highlight", "citation"}
CITATION = {
    *("id", "document", "title", "author", "section", "paragraph", "start", "end", "url"),
    "published",
}


def ask(client: TestClient, question: str, top_k: int = 3) -> dict:
    response = client.post("/ask", json={"question": question, "top_k": top_k})
    assert response.status_code == 200, response.text
    return response.json()


def document(client: TestClient, doc_id: str) -> dict:
    response = client.get(f"/documents/{doc_id}")
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("question", QUESTIONS)
def test_response_has_exactly_the_contract_fields(client: TestClient, question: str) -> None:
    body = ask(client, question)
    assert set(body) == TOP_LEVEL
    for passage in body["passages"]:
        assert set(passage) == PASSAGE
        assert set(passage["citation"]) == CITATION


@pytest.mark.parametrize("question", QUESTIONS)
def test_citation_offsets_quote_the_source_exactly(client: TestClient, question: str) -> None:
    for passage in ask(client, question)["passages"]:
        citation = passage["citation"]
        source = document(client, citation["document"])["text"]
        assert source[citation["start"] : citation["end"]] == passage["text"]


@pytest.mark.parametrize("question", QUESTIONS)
def test_citation_names_the_documents_paragraph(client: TestClient, question: str) -> None:
    for passage in ask(client, question)["passages"]:
        citation = passage["citation"]
        doc = document(client, citation["document"])
        paragraph = doc["paragraphs"][citation["paragraph"] - 1]
        assert paragraph["paragraph"] == citation["paragraph"]
        assert (paragraph["start"], paragraph["end"]) == (citation["start"], citation["end"])
        assert paragraph["section"] == citation["section"]


@pytest.mark.parametrize("question", QUESTIONS)
def test_citation_carries_the_documents_title_and_author(client: TestClient, question: str) -> None:
    for passage in ask(client, question)["passages"]:
        citation = passage["citation"]
        doc = document(client, citation["document"])
        assert (citation["title"], citation["author"]) == (doc["title"], doc["author"])


@pytest.mark.parametrize("question", QUESTIONS)
def test_citation_id_and_url_point_at_the_paragraph_anchor(
    client: TestClient, question: str
) -> None:
    for passage in ask(client, question)["passages"]:
        c = passage["citation"]
        assert c["id"] == f"{c['document']}#p{c['paragraph']}"
        assert c["url"] == f"/documents/{c['document']}#p{c['paragraph']}"


@pytest.mark.parametrize("question", QUESTIONS)
def test_highlight_is_verbatim_from_its_passage(client: TestClient, question: str) -> None:
    for passage in ask(client, question)["passages"]:
        assert passage["highlight"].strip()
        assert passage["highlight"] in passage["text"]


@pytest.mark.parametrize("question", QUESTIONS)
def test_passages_are_ranked_from_one_by_descending_score(
    client: TestClient, question: str
) -> None:
    passages = ask(client, question)["passages"]
    assert [p["rank"] for p in passages] == list(range(1, len(passages) + 1))
    scores = [p["score"] for p in passages]
    assert all(isinstance(s, float) for s in scores)
    assert scores == sorted(scores, reverse=True)


def test_answer_quotes_a_cited_passage(client: TestClient) -> None:
    body = ask(client, QUESTIONS[0])
    answer = body["answer"]
    assert answer is not None
    assert set(answer) == {"text", "citations"}
    ranks = {p["rank"]: p for p in body["passages"]}
    assert answer["citations"] and set(answer["citations"]) <= set(ranks)
    assert any(answer["text"] in ranks[r]["text"] for r in answer["citations"])


def test_answer_is_null_when_nothing_matches_but_passages_are_listed(client: TestClient) -> None:
    body = ask(client, OUT_OF_SCOPE)
    assert body["answer"] is None
    assert len(body["passages"]) == 3


@pytest.mark.parametrize(
    ("question", "language"), [(QUESTIONS[0], "en"), (QUESTIONS[1], "ar"), ("ما موقف NATO؟", "ar")]
)
def test_language_of_the_question_is_detected(
    client: TestClient, question: str, language: str
) -> None:
    assert ask(client, question)["language"] == language


def test_question_is_echoed_without_surrounding_whitespace(client: TestClient) -> None:
    assert ask(client, "  why does China need Russia?\n")["question"] == QUESTIONS[0]


def test_invisible_format_characters_are_removed_from_the_question(client: TestClient) -> None:
    disguised = "\u202ewhy does\u200b China need\u2066 Russia?\u2069\ufeff"
    assert ask(client, disguised)["question"] == QUESTIONS[0]


def test_took_ms_is_a_non_negative_number(client: TestClient) -> None:
    took = ask(client, QUESTIONS[0])["took_ms"]
    assert isinstance(took, int | float) and took >= 0


@pytest.mark.parametrize("top_k", [1, 2, 5])
def test_top_k_sets_the_number_of_passages(client: TestClient, top_k: int) -> None:
    assert len(ask(client, QUESTIONS[0], top_k)["passages"]) == top_k


def test_top_k_defaults_to_three(client: TestClient) -> None:
    response = client.post("/ask", json={"question": QUESTIONS[0]})
    assert len(response.json()["passages"]) == 3


def test_top_k_may_be_the_configured_maximum(make_client) -> None:
    client = make_client(max_top_k=5)
    response = client.post("/ask", json={"question": QUESTIONS[0], "top_k": 5})
    assert response.status_code == 200


def test_unknown_body_fields_are_ignored(client: TestClient) -> None:
    response = client.post("/ask", json={"question": QUESTIONS[0], "client": "widget/1.0"})
    assert response.status_code == 200


@pytest.mark.parametrize("question", QUESTIONS)
def test_get_answers_exactly_like_post(client: TestClient, question: str) -> None:
    got = client.get("/ask", params={"q": question, "top_k": 4})
    assert got.status_code == 200
    posted = ask(client, question, 4)
    # Each response has its own id (for feedback); everything else is the same.
    assert {**got.json(), "took_ms": 0, "id": None} == {**posted, "took_ms": 0, "id": None}


def test_get_decodes_a_percent_encoded_arabic_question(client: TestClient) -> None:
    encoded = urllib.parse.quote(QUESTIONS[1])
    assert encoded.startswith("%D9%84%D9%85")  # what a browser or `curl -G` sends
    body = client.get(f"/ask?q={encoded}").json()
    assert body["question"] == QUESTIONS[1]
    assert body["language"] == "ar"


def test_response_is_json_utf8(client: TestClient) -> None:
    response = client.post("/ask", json={"question": QUESTIONS[1]})
    assert response.headers["content-type"] == "application/json"
    assert "لماذا" in response.content.decode("utf-8")


# -- scoping to one document -----------------------------------------------------------------


def test_post_document_scopes_the_search(client: TestClient) -> None:
    body = {"question": "Who wrote this article?", "document": "putin-beijing"}
    response = client.post("/ask", json=body).json()
    assert response["answer"]["text"] == "أحمد السيد"
    assert {p["citation"]["document"] for p in response["passages"]} == {"putin-beijing"}


def test_get_document_scopes_the_search(client: TestClient) -> None:
    params = {"q": "Who wrote this article?", "document": "putin-beijing"}
    assert client.get("/ask", params=params).json()["answer"]["text"] == "أحمد السيد"


def test_unknown_document_scope_is_a_404(client: TestClient) -> None:
    response = client.post("/ask", json={"question": "why?", "document": "nope"})
    assert response.status_code == 404
    assert "nope" in response.json()["detail"]


@pytest.mark.parametrize("document", ["", 5, ["putin-beijing"], "x" * 201])
def test_malformed_document_scope_is_a_422(client: TestClient, document: object) -> None:
    response = client.post("/ask", json={"question": "why?", "document": document})
    assert response.status_code == 422
