"""No file can stop the archive: each unreadable kind is one line, the rest is indexed."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import ENGLISH_ARTICLE, HashEmbedder, build, patch_embedder
from pages import EN_TITLE, english_page

from rag.cli import main
from rag.ingest import IngestLimits, UnreadableDocument, load_document, parse_text
from rag.ingest.passages import MAX_TOKENS, e5_token_counter, split_span
from rag.ingest.show import as_json

ARABIC_TEXT = (
    "زيارة بوتين إلى بكين\n\n"
    "وصل الرئيس الروسي إلى العاصمة الصينية في زيارة رسمية تستمر يومين، وتناولت المباحثات "
    "ملفات التجارة والطاقة والتعاون العسكري بين البلدين الجارين.\n"
)


def hostile(folder: Path) -> dict[str, str]:
    """Every kind of bad file, and the reason its line must give."""
    rng = random.Random(7)
    (folder / "binary.md").write_bytes(bytes(rng.randrange(256) for _ in range(4096)))
    (folder / "scan.html").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 8)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.md").write_text("  \n\n \t\n", "utf-8")
    (folder / "report.docx").write_bytes(b"PK\x03\x04 not a document we read")
    # High bytes in no encoding's pattern, and no NUL: undecodable, not binary.
    (folder / "garbled.txt").write_bytes(bytes(rng.randrange(0x80, 0x100) for _ in range(3000)))
    return {
        "binary.md": "binary",
        "scan.html": "binary",
        "empty.txt": "empty",
        "blank.md": "empty",
        "report.docx": "unsupported type",
        "garbled.txt": "",
    }


@pytest.fixture
def archive(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "chip-pact.en.txt").write_text(ENGLISH_ARTICLE, "utf-8")
    (seeds / "visit.ar.txt").write_bytes(ARABIC_TEXT.encode("cp1256"))
    (seeds / "page.html").write_text(english_page(), "utf-8")
    return seeds, hostile(seeds)


def test_windows_1256_text_file_is_decoded(archive):
    seeds, _ = archive
    doc = load_document(seeds / "visit.ar.txt")
    assert doc.language == "ar"
    assert "وصل الرئيس الروسي" in doc.passages[0].text


@pytest.mark.parametrize(
    "name", ["binary.md", "scan.html", "empty.txt", "blank.md", "report.docx", "garbled.txt"]
)
def test_each_bad_file_is_unreadable_with_a_reason(archive, name: str):
    seeds, reasons = archive
    with pytest.raises(UnreadableDocument) as caught:
        load_document(seeds / name)
    assert reasons[name] in str(caught.value)
    assert str(caught.value) and "\n" not in str(caught.value)


def test_rag_index_skips_bad_files_and_indexes_the_rest(archive, tmp_path, monkeypatch):
    seeds, reasons = archive
    patch_embedder(monkeypatch, HashEmbedder())
    result = CliRunner().invoke(
        main, ["index", "--seeds", str(seeds), "--index", str(tmp_path / "index")]
    )
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.startswith("skipped ")]
    assert len(lines) == len(reasons)
    for name in reasons:
        assert sum(name in line for line in lines) == 1
    assert "indexed 3 documents" in result.output
    assert f"{len(reasons)} skipped" in result.output


def test_only_bad_files_is_a_clear_error(tmp_path: Path, monkeypatch):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    reasons = hostile(seeds)
    patch_embedder(monkeypatch, HashEmbedder())
    result = CliRunner().invoke(
        main, ["index", "--seeds", str(seeds), "--index", str(tmp_path / "index")]
    )
    assert result.exit_code == 1
    assert f"({len(reasons)} unreadable)" in result.output
    assert "Traceback" not in result.output


# -- over-long paragraphs --------------------------------------------------------------

SENTENCE = "The committee reviewed the river survey and agreed on new rules for the dams. "


def test_long_paragraph_splits_at_sentences_with_exact_offsets():
    text = "Rivers report\n\n" + SENTENCE * 120 + "\n"
    doc = parse_text(text, "text", "rivers")
    count = e5_token_counter()
    assert len(doc.passages) > 1
    for p in doc.passages:
        assert doc.source[p.start : p.end] == p.text
        assert count(p.text) <= MAX_TOKENS
        assert p.text.endswith("dams.")  # cut at a sentence end
    assert [p.paragraph for p in doc.passages] == list(range(1, len(doc.passages) + 1))
    assert " ".join(p.text for p in doc.passages) == (SENTENCE * 120).strip()


def test_run_on_text_without_sentence_ends_is_cut_at_words():
    source = " ".join(f"word{i}" for i in range(3000))
    count = e5_token_counter()
    spans = split_span(source, 0, len(source), count)
    assert len(spans) > 1
    assert all(count(source[s:e]) <= MAX_TOKENS for s, e in spans)
    assert " ".join(source[s:e] for s, e in spans) == source


def test_document_over_the_character_cap_keeps_its_head():
    text = "Dump\n\n" + (SENTENCE * 400 + "\n\n") * 5
    doc = parse_text(text, "text", "dump", limits=IngestLimits(max_chars=50_000))
    assert doc.passages and max(p.end for p in doc.passages) <= 50_000
    assert all(doc.source[p.start : p.end] == p.text for p in doc.passages)


def test_one_line_two_megabyte_file_is_indexed_within_the_cap(tmp_path: Path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    line = SENTENCE * (2_000_000 // len(SENTENCE))
    (seeds / "scrape.txt").write_text("Scrape\n\n" + line + "\n", "utf-8")
    report = build(seeds, tmp_path / "index", HashEmbedder())
    assert report.documents == 1
    assert report.notes and "RAG_MAX_DOCUMENT_CHARS" in report.notes[0][1]
    assert report.passages == len(load_document(seeds / "scrape.txt").passages)


# -- rag parse ----------------------------------------------------------------------------


def test_rag_parse_json_is_the_document_api_shape(archive):
    seeds, reasons = archive
    result = CliRunner().invoke(main, ["parse", "--json", str(seeds / "page.html")])
    assert result.exit_code == 0, result.output
    (line,) = [line for line in result.output.splitlines() if line.startswith("{")]
    payload = json.loads(line)
    assert payload == json.loads(as_json(load_document(seeds / "page.html")))
    assert payload["title"] == EN_TITLE and payload["published"] == "2024-05-14"
    for p in payload["paragraphs"]:
        assert payload["text"][p["start"] : p["end"]] == p["text"]


def test_rag_parse_outline_lists_paragraphs_and_skips(archive):
    seeds, reasons = archive
    result = CliRunner().invoke(main, ["parse", str(seeds)])
    assert result.exit_code == 0, result.output
    assert "title: " + EN_TITLE in result.output
    assert "author: Jane Doe" in result.output
    assert "## What the deal covers" in result.output
    assert "3 documents" in result.output and f"{len(reasons)} skipped" in result.output
