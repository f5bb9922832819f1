"""The `rag` command line: index, ask, eval, and one-line errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from helpers import (
    ARTICLE,
    DEV_SET,
    SEEDS,
    HashEmbedder,
    build,
    patch_embedder,
    real_embedder,
    real_index,
    service_for,
    write_seeds,
)

from rag.cli import main
from rag.errors import ModelLoadError
from rag.evaluation.scoring import load_questions
from rag.index.store import MANIFEST, VECTORS, IndexStore

TARGET = "كثقل موازن"  # the paragraph: China needs Russia as a counterweight to the US
RESPONSE_KEYS = {"id", "question", "language", "answer", "passages", "took_ms"}
PASSAGE_KEYS = {"rank", "score", "text", "highlight", "citation"}
CITATION_KEYS = {
    "id",
    "document",
    "title",
    "author",
    "section",
    "paragraph",
    "start",
    "end",
    "url",
    "published",
}


def rag(*args: str) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def assert_one_line_error(result: Result, *needles: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in result.stderr


def assert_contract(payload: dict, sources: dict[str, str], top_k: int) -> None:
    assert set(payload) == RESPONSE_KEYS
    assert isinstance(payload["took_ms"], int | float)
    assert payload["answer"] is None or set(payload["answer"]) == {"text", "citations"}
    assert [p["rank"] for p in payload["passages"]] == list(range(1, top_k + 1))
    for hit in payload["passages"]:
        assert set(hit) == PASSAGE_KEYS
        citation = hit["citation"]
        assert set(citation) == CITATION_KEYS
        source = sources[citation["document"]]
        assert source[citation["start"] : citation["end"]] == hit["text"]
        assert hit["highlight"] in hit["text"]
        assert citation["id"] == f"{citation['document']}#p{citation['paragraph']}"
        assert citation["url"] == f"/documents/{citation['id']}"


@pytest.fixture
def fake(monkeypatch) -> HashEmbedder:
    embedder = HashEmbedder()
    patch_embedder(monkeypatch, embedder)
    return embedder


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    return write_seeds(tmp_path / "seeds")


@pytest.fixture
def index(tmp_path: Path, seeds: Path, fake: HashEmbedder) -> Path:
    path = tmp_path / "index"
    build(seeds, path, fake)
    return path


def sources_of(seeds: Path) -> dict[str, str]:
    return {p.name.split(".", 1)[0]: p.read_text(encoding="utf-8") for p in seeds.iterdir()}


# -- rag index -------------------------------------------------------------------


def test_index_reports_embedded_documents(fake, seeds: Path, tmp_path: Path):
    result = rag("index", "--seeds", seeds, "--index", tmp_path / "ix")
    assert result.exit_code == 0, result.output
    passages = IndexStore(tmp_path / "ix").read_manifest()["count"]
    assert f"indexed 3 documents, {passages} passages" in result.stdout
    assert "3 embedded, 0 unchanged, 0 removed" in result.stdout


def test_index_again_reuses_unchanged(fake, seeds: Path, tmp_path: Path):
    rag("index", "--seeds", seeds, "--index", tmp_path / "ix")
    fake.passage_batches.clear()
    (seeds / "rivers.md").unlink()
    result = rag("index", "--seeds", seeds, "--index", tmp_path / "ix")
    assert result.exit_code == 0, result.output
    assert "0 embedded, 2 unchanged, 1 removed" in result.stdout
    assert fake.passage_batches == []


def test_index_reads_folders_from_settings(fake, seeds: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("RAG_SEEDS_DIR", str(seeds))
    monkeypatch.setenv("RAG_INDEX_DIR", str(tmp_path / "from-env"))
    result = rag("index")
    assert result.exit_code == 0, result.output
    assert IndexStore(tmp_path / "from-env").read_manifest()["model"] == "fake-hash"


def test_index_of_an_empty_folder_is_one_line(fake, tmp_path: Path):
    (tmp_path / "empty").mkdir()
    result = rag("index", "--seeds", tmp_path / "empty", "--index", tmp_path / "ix")
    assert_one_line_error(result, "no .txt or .md documents")


def test_index_model_load_failure_is_one_line(monkeypatch, seeds: Path, tmp_path: Path):
    def unavailable(name=None):
        raise ModelLoadError(f"cannot load embedding model {name!r}: set RAG_MODEL")

    monkeypatch.setattr("rag.embeddings.load_embedder", unavailable)
    result = rag("index", "--seeds", seeds, "--index", tmp_path / "ix", "--model", "nope/nope")
    assert_one_line_error(result, "'nope/nope'")


# -- rag ask -----------------------------------------------------------------------


def test_ask_json_follows_the_api_contract(index: Path, seeds: Path):
    result = rag(
        "ask", "export licences for photoresists", "--index", index, "--json", "--top-k", 4
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert_contract(payload, sources_of(seeds), top_k=4)
    assert payload["question"] == "export licences for photoresists"
    assert payload["language"] == "en"


def test_ask_json_equals_the_service_response(index: Path, fake: HashEmbedder):
    question = "what do farmers use the rivers for?"
    result = rag("ask", question, "--index", index, "--json", "--top-k", 2)
    expected = service_for(index, fake).ask(question, 2).model_dump(mode="json")
    payload = json.loads(result.stdout)
    payload.pop("took_ms"), expected.pop("took_ms")
    assert payload == expected


def test_ask_prints_passages_with_citations(index: Path):
    result = rag("ask", "export licences for photoresists", "--index", index, "--top-k", 2)
    assert result.exit_code == 0, result.output
    assert re.search(r"\[1\] score -?\d+\.\d{3}\s+\S+#p\d+\s+chars \d+-\d+", result.stdout)
    assert "[2] score" in result.stdout and "[3] score" not in result.stdout
    assert "-> /documents/" in result.stdout


def test_ask_empty_question_is_a_usage_error(index: Path):
    result = rag("ask", "   ", "--index", index)
    assert result.exit_code == 2
    assert "question is empty" in result.stderr


def test_ask_without_an_index_is_one_line(fake, tmp_path: Path):
    assert_one_line_error(rag("ask", "anything?", "--index", tmp_path / "none"), "`rag index`")


def test_ask_with_another_model_is_one_line(seeds: Path, tmp_path: Path, monkeypatch):
    build(seeds, tmp_path / "ix", HashEmbedder(name="fake-a"))
    patch_embedder(monkeypatch, HashEmbedder(name="fake-b"))
    result = rag("ask", "anything?", "--index", tmp_path / "ix")
    assert_one_line_error(result, "'fake-a'", "'fake-b'", "rag index --model fake-b")


def _truncate_vectors(index: Path) -> None:
    path = IndexStore(index).current_path() / VECTORS
    path.write_bytes(path.read_bytes()[:100])


def _drop_manifest(index: Path) -> None:
    (IndexStore(index).current_path() / MANIFEST).unlink()


def _damage_pointer(index: Path) -> None:
    (index / "CURRENT").write_bytes(b"\xff\x00garbage/..")


@pytest.mark.parametrize("damage", [_truncate_vectors, _drop_manifest, _damage_pointer])
def test_ask_on_a_corrupt_index_is_one_line(damage, index: Path):
    damage(index)
    assert_one_line_error(rag("ask", "anything?", "--index", index), "rebuild with `rag index`")


# -- rag eval ----------------------------------------------------------------------


def test_eval_prints_scores_and_misses(index: Path, tmp_path: Path, fake: HashEmbedder):
    questions = tmp_path / "questions.jsonl"
    rows = [
        {"id": "q1", "lang": "en", "question": "export licences for photoresists",
         "gold": ["photoresists"]},
        {"id": "q2", "lang": "en", "question": "who won the 1998 world cup?",
         "gold": ["a phrase that is in no passage"]},
    ]  # fmt: skip
    questions.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    result = rag("eval", questions, "--index", index, "--baseline", "none")
    assert result.exit_code == 0, result.output

    top = service_for(index, fake).ask(rows[0]["question"], 5).passages[0]
    expected_hit1 = (1 if "photoresists" in top.text else 0) / 2
    assert re.search(rf"^hit@1\s+{expected_hit1:.3f}$", result.stdout, re.M)
    assert re.search(r"^hit@3\s+\d\.\d{3}$", result.stdout, re.M)
    assert re.search(r"^MRR@5\s+\d\.\d{3}$", result.stdout, re.M)
    missed = result.stdout.split("missed at rank 1")[1]
    assert "q2 [en] who won the 1998 world cup?  -> not in top 5" in missed


def test_eval_scores_highlights_with_an_answers_file(index: Path, tmp_path: Path):
    questions = tmp_path / "questions.jsonl"
    row = {"id": "q1", "question": "export licences for photoresists", "gold": ["photoresists"]}
    questions.write_text(json.dumps(row), encoding="utf-8")
    answers = tmp_path / "answers.jsonl"
    answers.write_text(json.dumps({"id": "q1", "answers": ["no such sentence"]}), "utf-8")
    plain = rag("eval", questions, "--index", index, "--baseline", "none")
    scored = rag("eval", questions, "--index", index, "--baseline", "none", "--answers", answers)
    assert "highlight right" not in plain.stdout
    assert re.search(r"^highlight right\s+0\.000$", scored.stdout, re.M)
    assert re.search(r"^answer sentence right\s+0\.000$", scored.stdout, re.M)


def test_eval_rejects_a_malformed_answers_file(index: Path, tmp_path: Path):
    questions = tmp_path / "questions.jsonl"
    questions.write_text(json.dumps({"id": "q1", "question": "q?", "gold": ["x"]}), "utf-8")
    answers = tmp_path / "answers.jsonl"
    answers.write_text('{"id": "q1"}\n', encoding="utf-8")
    result = rag("eval", questions, "--index", index, "--answers", answers)
    assert result.exit_code == 2
    assert "answers.jsonl:1" in result.stderr


def test_eval_rejects_a_malformed_file(index: Path, tmp_path: Path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\n', encoding="utf-8")
    result = rag("eval", bad, "--index", index)
    assert result.exit_code == 2
    assert "bad.jsonl:1" in result.stderr


# -- end to end on the real model ------------------------------------------------


@pytest.fixture(scope="module")
def real(tmp_path_factory) -> Path:
    return real_index(tmp_path_factory)


def real_sources() -> dict[str, str]:
    return {p.name.split(".", 1)[0]: p.read_text(encoding="utf-8") for p in SEEDS.iterdir()}


def ask_json(index: Path, question: str, top_k: int = 3) -> dict:
    result = rag("ask", question, "--index", index, "--json", "--top-k", top_k)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.e2e
def test_english_question_ranks_the_counterweight_paragraph_first(real: Path):
    payload = ask_json(real, "why does China need Russia?")
    assert TARGET in payload["passages"][0]["text"]
    assert payload["language"] == "en"


@pytest.mark.e2e
def test_arabic_question_ranks_the_counterweight_paragraph_first(real: Path):
    payload = ask_json(real, "لماذا تحتاج الصين إلى روسيا؟")
    assert TARGET in payload["passages"][0]["text"]
    assert payload["language"] == "ar"


@pytest.mark.e2e
def test_real_json_follows_the_api_contract(real: Path):
    payload = ask_json(real, "why does China need Russia?", top_k=5)
    assert_contract(payload, real_sources(), top_k=5)
    citation = payload["passages"][0]["citation"]
    assert citation["document"] == "putin-beijing"
    assert citation["author"] == "أحمد السيد"
    assert citation["title"] == ARTICLE.read_text(encoding="utf-8").splitlines()[2]


@pytest.mark.e2e
def test_real_ask_prints_arabic_for_a_terminal(real: Path):
    result = rag("ask", "why does China need Russia?", "--index", real, "--top-k", 1)
    assert result.exit_code == 0, result.output
    arabic_lines = [ln for ln in result.stdout.splitlines() if TARGET[:4] in ln]
    assert arabic_lines and all("\u200f" in ln for ln in arabic_lines)


@pytest.mark.e2e
def test_real_eval_on_the_dev_set(real: Path):
    result = rag("eval", DEV_SET, "--index", real, "--baseline", "none")
    assert result.exit_code == 0, result.output
    out = result.stdout
    scores = {
        m.group(1): float(m.group(2))
        for m in re.finditer(r"^(hit@1|hit@3|MRR@5)\s+(\d\.\d{3})$", out, re.M)
    }
    assert set(scores) == {"hit@1", "hit@3", "MRR@5"}
    assert scores["hit@1"] <= scores["hit@3"] and scores["hit@1"] <= scores["MRR@5"] <= 1

    # Every question whose top passage misses its gold is listed, and no other.
    service = service_for(real, real_embedder())
    answerable = [q for q in load_questions(DEV_SET) if q.get("gold")]
    missed = [
        q
        for q in answerable
        if not any(g in service.ask(q["question"], 5).passages[0].text for g in q["gold"])
    ]
    listed = out.split("missed at rank 1")[1] if "missed at rank 1" in out else ""
    for q in answerable:
        assert (f" {q['question']}  -> " in listed) == (q in missed), q["question"]
    assert scores["hit@1"] == pytest.approx(1 - len(missed) / len(answerable), abs=1e-3)
