"""HTML pages: trafilatura's title, author, date, site and paragraphs, offsets exact."""

from __future__ import annotations

from pathlib import Path

import pytest
from pages import AR_PARAGRAPHS, AR_TITLE, EN_PARAGRAPHS, EN_TITLE, arabic_page, english_page

from rag.documents import Document
from rag.ingest import UnreadableDocument, load_document, parse_text


@pytest.fixture(scope="module")
def english(tmp_path_factory) -> Document:
    path = tmp_path_factory.mktemp("pages") / "chip-pact.html"
    path.write_text(english_page(url="https://news.example/chip-pact"), "utf-8")
    return load_document(path)


@pytest.fixture(scope="module")
def arabic(tmp_path_factory) -> Document:
    path = tmp_path_factory.mktemp("pages") / "putin-beijing.htm"
    # Arabic sites still serve windows-1256.
    path.write_bytes(arabic_page(charset="windows-1256").encode("cp1256"))
    return load_document(path)


def test_english_page_metadata(english: Document):
    assert english.title.text == EN_TITLE
    assert english.author.text == "Jane Doe"
    assert english.published == "2024-05-14"
    assert english.site == "The Daily Ledger"
    assert english.url == "https://news.example/chip-pact"
    assert english.language == "en"


def test_english_page_paragraphs_and_sections(english: Document):
    assert [p.text for p in english.passages] == list(EN_PARAGRAPHS)
    assert [p.section for p in english.passages] == [None, "What the deal covers"] + [
        "What the deal covers"
    ] * (len(EN_PARAGRAPHS) - 2)
    assert [h.text for h in english.headings] == ["What the deal covers"]


def test_boilerplate_is_dropped(english: Document):
    for chrome in ("Related stories", "Markets rally", "Great article", "Copyright", "Home"):
        assert chrome not in english.source


def test_arabic_windows_1256_page(arabic: Document):
    assert arabic.title.text == AR_TITLE
    assert arabic.author.text == "أحمد السيد"
    assert arabic.published == "2024-05-16"
    assert arabic.language == "ar"
    assert [p.text for p in arabic.passages] == list(AR_PARAGRAPHS)
    assert arabic.passages[1].section == "أجندة الزيارة"


@pytest.mark.parametrize("name", ["english", "arabic"])
def test_every_span_indexes_the_extracted_text(name: str, request):
    doc: Document = request.getfixturevalue(name)
    spans = [doc.title, doc.author, *doc.headings, *doc.passages]
    for span in spans:
        assert doc.source[span.start : span.end] == span.text
    assert [p.paragraph for p in doc.passages] == list(range(1, len(doc.passages) + 1))


def test_page_without_article_text_is_unreadable():
    with pytest.raises(UnreadableDocument, match="no article text"):
        parse_text("<html><body><nav><a href='/'>Home</a></nav></body></html>", "html", "x")


def test_given_title_and_date_win(tmp_path: Path):
    doc = parse_text(english_page(), "html", "x", title="Pushed title", published="2025-01-02")
    assert (doc.title.text, doc.published) == ("Pushed title", "2025-01-02")
    assert doc.source[doc.title.start : doc.title.end] == "Pushed title"
