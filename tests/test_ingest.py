"""Ingestion: metadata, boilerplate and exact passage offsets, on three kinds of article."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import ARTICLE, ENGLISH_ARTICLE, MARKDOWN_ARTICLE

from rag.documents import Document
from rag.ingest import discover, document_id, load_document, parse_document

BOILERPLATE_AR = ("مقالات ذات صلة", "زر الذهاب إلى الأعلى", "آسياروسيا")
HEADINGS_AR = ("أجندة الزيارة", "دلالات الزيارة", "موسكو وبكين. التحالف الذي يثير الغضب الغربي")


@pytest.fixture(scope="module")
def arabic() -> Document:
    return load_document(ARTICLE)


@pytest.fixture(scope="module")
def english(tmp_path_factory) -> Document:
    path = tmp_path_factory.mktemp("seeds") / "chip-pact.en.txt"
    path.write_text(ENGLISH_ARTICLE, encoding="utf-8")
    return load_document(path)


@pytest.fixture(scope="module")
def markdown(tmp_path_factory) -> Document:
    path = tmp_path_factory.mktemp("seeds") / "rivers.md"
    path.write_text(MARKDOWN_ARTICLE, encoding="utf-8")
    return load_document(path)


def source_paragraphs(text: str) -> list[str]:
    return [block.strip() for block in text.split("\n\n") if block.strip()]


def assert_spans_exact(doc: Document) -> None:
    for span in [doc.title, doc.author, doc.affiliation, *doc.headings, *doc.passages]:
        if span is not None:
            assert doc.source[span.start : span.end] == span.text


def sections(doc: Document) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for p in doc.passages:
        out.setdefault(p.section, []).append(p.paragraph)
    return out


# -- the real Arabic article ---------------------------------------------------


def test_arabic_offsets_hold_for_every_passage(arabic):
    assert arabic.passages
    for p in arabic.passages:
        assert arabic.source[p.start : p.end] == p.text
        assert p.text == p.text.strip() and p.text


def test_arabic_metadata_spans_are_verbatim(arabic):
    assert_spans_exact(arabic)


def test_arabic_boilerplate_is_gone(arabic):
    for passage in arabic.passages:
        for chrome in BOILERPLATE_AR:
            assert chrome not in passage.text
    for span in [arabic.title, arabic.author, arabic.affiliation, *arabic.headings]:
        assert span.text not in BOILERPLATE_AR


def test_arabic_title(arabic):
    assert arabic.title.text == "بوتين في بكين شراكة استراتيجية تواجه تحديات دولية"


def test_arabic_headings_captured_not_passages(arabic):
    assert [h.text for h in arabic.headings] == list(HEADINGS_AR)
    texts = {p.text for p in arabic.passages}
    assert not texts & set(HEADINGS_AR)
    assert arabic.title.text not in texts


def test_arabic_passages_sit_under_their_heading(arabic):
    source = arabic.source
    for p in arabic.passages:
        above = [h for h in arabic.headings if h.end <= p.start]
        expected = above[-1].text if above else None
        assert p.section == expected
    under = sections(arabic)
    assert set(under) == {None, *HEADINGS_AR}
    # The paragraph that answers "why does China need Russia?" is under the third heading.
    target = next(p for p in arabic.passages if "كثقل موازن" in p.text)
    assert target.section == HEADINGS_AR[2]
    assert source.index(HEADINGS_AR[2]) < target.start


def test_arabic_byline_and_affiliation(arabic):
    assert arabic.author.text == "أحمد السيد"
    assert arabic.affiliation.text == "باحث ببرنامج العلاقات الدولية"
    assert all(arabic.author.text != p.text for p in arabic.passages)


def test_arabic_bullets_are_passages_without_the_bullet(arabic):
    bullet_lines = [ln.strip() for ln in arabic.source.splitlines() if ln.strip().startswith("•")]
    assert len(bullet_lines) >= 3
    texts = [p.text for p in arabic.passages]
    for line in bullet_lines:
        assert line.lstrip("• ").strip() in texts
    assert not any(t.startswith("•") for t in texts)


def test_arabic_paragraph_numbers_run_from_one(arabic):
    assert [p.paragraph for p in arabic.passages] == list(range(1, len(arabic.passages) + 1))
    assert [p.id for p in arabic.passages][0] == "putin-beijing#p1"


def test_arabic_every_body_line_becomes_a_passage(arabic):
    metadata = {arabic.title.text, arabic.author.text, arabic.affiliation.text, *HEADINGS_AR}
    body = [
        ln.strip().lstrip("•").strip()
        for ln in arabic.source.splitlines()
        if ln.strip() and ln.strip() not in metadata and ln.strip() not in BOILERPLATE_AR
    ]
    assert [p.text for p in arabic.passages] == body


def test_document_id_and_language(arabic):
    assert arabic.id == "putin-beijing" == document_id(ARTICLE)
    assert arabic.language == "ar"


# -- an English article the test writes itself ---------------------------------


def test_english_offsets_hold(english):
    assert english.passages
    assert_spans_exact(english)


def test_english_title_not_breadcrumb(english):
    assert english.title.text == "Tokyo and Seoul agree on a new chip supply pact"


def test_english_byline_name_and_agency(english):
    assert english.author.text == "Jane Doe"
    assert english.affiliation.text == "Reuters"


def test_english_headings(english):
    assert [h.text for h in english.headings] == [
        "What the deal covers",
        "Why it matters",
        "The road ahead",
    ]


def test_english_sections_of_passages(english):
    under = sections(english)
    assert under[None] == [1, 2]
    assert under["What the deal covers"] == [3, 4, 5, 6]
    assert under["Why it matters"] == [7, 8]
    assert under["The road ahead"] == [9]


def test_english_bullets_lose_their_dash(english):
    texts = [p.text for p in english.passages]
    assert "Both sides will share data on stockpiles of rare gases." in texts
    assert not any(t.startswith(("-", "•")) for t in texts)


def test_english_boilerplate_and_related_titles_dropped(english):
    text = " ".join(p.text for p in english.passages)
    for chrome in ("World", "Related articles", "Chip makers race", "Seoul unveils", "Back to top"):
        assert chrome not in text
    metadata = [english.title, english.author, english.affiliation, *english.headings]
    assert not any("Back to top" in s.text or "Seoul unveils" in s.text for s in metadata if s)


def test_english_body_matches_source_paragraphs(english):
    expected = [
        block.lstrip("- ")
        for para in source_paragraphs(ENGLISH_ARTICLE.split("Related articles")[0])
        for block in para.splitlines()
        if block.endswith(".")  # in this article, exactly the body lines
    ]
    assert [p.text for p in english.passages] == expected
    assert english.language == "en"


# -- a Markdown article with hard-wrapped paragraphs ---------------------------


def test_markdown_title_and_byline(markdown):
    assert markdown.title.text == "Rivers of the north"
    assert markdown.author.text == "Sam Lee"


def test_markdown_headings_and_sections(markdown):
    assert [h.text for h in markdown.headings] == ["Sources", "Uses"]
    assert sections(markdown) == {"Sources": [1, 2], "Uses": [3, 4, 5]}


def test_markdown_wrapped_lines_join_into_one_passage(markdown):
    first = markdown.passages[0]
    assert first.text.startswith("The northern rivers rise")
    assert first.text.endswith("reaching the valley floor.")
    assert "\n" in first.text  # verbatim: the wrap is kept, offsets stay exact
    assert len(markdown.passages) == 5


def test_markdown_offsets_hold(markdown):
    assert_spans_exact(markdown)
    assert not any(p.text.startswith(("#", "-")) for p in markdown.passages)


# -- detection rules that are general, not tuned to one page -------------------


def test_question_title_and_heading_are_metadata():
    source = (
        "Can the pact survive the next election?\n\n"
        "By Ali Hassan\n\n"
        "The pact was signed last year after months of negotiation between the parties.\n\n"
        "What happens next?\n\n"
        "Both parties say they will keep the pact whatever the election result is.\n"
    )
    doc = parse_document(source, "q", path="q.txt")
    assert doc.title.text == "Can the pact survive the next election?"
    assert [h.text for h in doc.headings] == ["What happens next?"]
    assert [p.section for p in doc.passages] == [None, "What happens next?"]


def test_dateline_is_not_the_title():
    source = (
        "Business\n\n"
        "Markets rally as inflation cools\n\n"
        "Tuesday 14 May 2024\n\n"
        "Stocks rose sharply on Tuesday after new figures showed that inflation slowed again.\n"
    )
    doc = parse_document(source, "d", path="d.txt")
    assert doc.title.text == "Markets rally as inflation cools"
    assert [p.paragraph for p in doc.passages] == [1]


def test_markdown_wrapped_bullet_stays_one_passage():
    source = (
        "# Notes\n\n"
        "- The first item is long enough to wrap\n"
        "  onto a second line in the file.\n"
        "- The second item is short.\n"
    )
    doc = parse_document(source, "n", path="n.md")
    assert [p.text for p in doc.passages] == [
        "The first item is long enough to wrap\n  onto a second line in the file.",
        "The second item is short.",
    ]
    assert_spans_exact(doc)


def test_crlf_source_offsets_hold():
    doc = parse_document(ENGLISH_ARTICLE.replace("\n", "\r\n"), "crlf", path="crlf.txt")
    assert len(doc.passages) == 9
    assert_spans_exact(doc)
    assert not any("\r" in p.text for p in doc.passages)


def test_discover_finds_txt_and_md_only(tmp_path: Path):
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.md").write_text("x", encoding="utf-8")
    (tmp_path / "c.json").write_text("{}", encoding="utf-8")
    assert [p.name for p in discover(tmp_path)] == ["a.txt", "b.md"]


SETEXT = (
    "Rivers of the north\n"
    "===================\n\n"
    "*By Sam Lee, River Desk*\n\n"
    "The northern rivers carry meltwater from the mountains to the sea every spring.\n\n"
    "Sources\n"
    "-------\n\n"
    "Most of the water comes from glaciers that have been shrinking for decades.\n\n"
    "---\n\n"
    "**Uses**\n\n"
    "Farmers downstream depend on the spring flood to water their fields each year.\n"
)


@pytest.fixture
def setext() -> Document:
    return parse_document(SETEXT, "rivers", path="rivers.md")


def test_markdown_underlined_title_and_headings(setext):
    assert setext.title.text == "Rivers of the north"
    assert [h.text for h in setext.headings] == ["Sources", "Uses"]
    assert sections(setext) == {None: [1], "Sources": [2], "Uses": [3]}


def test_markdown_emphasised_byline(setext):
    assert setext.author.text == "Sam Lee"
    assert setext.affiliation.text == "River Desk"


def test_markdown_rules_and_underlines_are_not_text(setext):
    texts = [setext.title.text, *(h.text for h in setext.headings)]
    texts += [p.text for p in setext.passages]
    assert not any(set(t) <= set("=-*_ ") for t in texts)
    assert len(setext.passages) == 3
    assert_spans_exact(setext)


def test_a_dash_line_under_a_paragraph_in_plain_text_is_not_special():
    doc = parse_document("A line of text long enough to be body text in a file.\n---\n", "t")
    assert doc.passages[0].text.startswith("A line")


def test_markdown_emphasis_inside_a_line_is_kept():
    line = "*Two* words are emphasised in this rather long sentence, one at each of its *ends*"
    source = f"# T\n\n{line}\n"
    doc = parse_document(source, "e", path="e.md")
    assert doc.passages[0].text == line
