"""The on-disk index: manifest, incremental rebuilds, crash safety, clear errors."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from helpers import (
    ENGLISH_ARTICLE,
    PYTHON,
    SEEDS,
    HashEmbedder,
    answers,
    build,
    real_embedder,
    real_index,
    service_for,
    subprocess_env,
    write_seeds,
)

import rag.index.bm25
import rag.index.builder
import rag.index.embedding
import rag.ingest.plain
from rag.documents import content_hash
from rag.errors import IndexCorruptError, IndexMissingError, ModelMismatchError
from rag.index.builder import build_index, passage_embedding_text, sentence_spans
from rag.index.store import DOCUMENTS, MANIFEST, POINTER, SENTENCES, VECTORS, IndexStore
from rag.index.vectors import all_vectors
from rag.ingest import discover, load_document

CHANGED_ENGLISH = ENGLISH_ARTICLE.replace(
    "The road ahead\n\n",
    "The road ahead\n\nA new paragraph says that the ministers will meet again in the autumn "
    "to sign the second part of the agreement.\n\n",
)
EXTRA_ARTICLE = (
    "Science › Space\n\nA small probe reaches the outer moon\n\nBy Omar Haddad\n\n"
    "The probe sent back its first images of the moon after a journey of nine years.\n"
)


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    return write_seeds(tmp_path / "seeds")


@pytest.fixture
def index(tmp_path: Path) -> Path:
    return tmp_path / "index"


@pytest.fixture
def built(seeds: Path, index: Path) -> Path:
    build(seeds, index, HashEmbedder())
    return index


def parsed(seeds: Path) -> dict:
    """The seed documents in index order: grouped by language, then by id."""
    docs = sorted(map(load_document, discover(seeds)), key=lambda d: (d.language, d.id))
    return {d.id: d for d in docs}


def fresh_answers(tmp_path: Path, seeds: Path) -> list[dict]:
    """Answers from a from-scratch build of the same seeds, for comparison."""
    other = tmp_path / "fresh-index"
    build(seeds, other, HashEmbedder())
    return answers(other, HashEmbedder())


def texts_of(doc) -> set[str]:
    """Everything the builder may embed for one document: passages and sentences."""
    return {passage_embedding_text(doc, p) for p in doc.passages}


def embedded_only(embedder: HashEmbedder, doc) -> bool:
    passages = texts_of(doc)
    return all(t in passages or t in doc.source for t in embedder.passage_texts)


# -- building and the manifest -------------------------------------------------


def test_manifest_records_model_dim_count_and_hashes(built: Path, seeds: Path):
    manifest = IndexStore(built).read_manifest()
    docs = parsed(seeds)
    assert manifest["model"] == "fake-hash"
    assert manifest["dim"] == 64
    assert manifest["count"] == sum(len(d.passages) for d in docs.values())
    assert set(manifest["documents"]) == set(docs) == {"putin-beijing", "chip-pact", "rivers"}
    for doc_id, entry in manifest["documents"].items():
        source = Path(docs[doc_id].path).read_text(encoding="utf-8")
        assert entry["hash"] == content_hash(source)


def test_loaded_index_matches_the_documents(built: Path, seeds: Path):
    loaded = IndexStore(built).load(expected_model="fake-hash")
    docs = parsed(seeds)
    assert loaded.vectors.ntotal == len(loaded.passages) == loaded.manifest["count"]
    assert [p for d in docs.values() for p in d.passages] == loaded.passages
    assert loaded.documents["chip-pact"].author.text == "Jane Doe"


def test_vectors_are_pooled_from_the_embedded_sentences(seeds: Path, index: Path):
    build_index(seeds, IndexStore(index), HashEmbedder(), passage_vectors="pooled")
    loaded = IndexStore(index).load()
    docs = parsed(seeds)
    expected = []
    for doc in docs.values():
        for p in doc.passages:
            texts = [doc.source[s:e] for s, e in sentence_spans(p)]
            weights = np.array([len(t) for t in texts], np.float32)[:, None]
            pooled = (weights * HashEmbedder().embed_passages(texts)).sum(axis=0)
            expected.append(pooled / np.linalg.norm(pooled))
    np.testing.assert_allclose(all_vectors(loaded.vectors), np.vstack(expected), atol=1e-6)


def test_full_passage_vectors_are_the_embedded_passages(seeds: Path, index: Path):
    build_index(seeds, IndexStore(index), HashEmbedder(), passage_vectors="full")
    loaded = IndexStore(index).load()
    docs = parsed(seeds)
    texts = [passage_embedding_text(d, p) for d in docs.values() for p in d.passages]
    expected = HashEmbedder().embed_passages(texts)
    np.testing.assert_allclose(all_vectors(loaded.vectors), expected, atol=1e-6)


def test_changing_how_passage_vectors_are_made_re_embeds(built: Path, seeds: Path):
    report = build_index(seeds, IndexStore(built), HashEmbedder(), passage_vectors="pooled")
    assert sorted(report.embedded) == ["chip-pact", "putin-beijing", "rivers"]


def test_first_build_embeds_every_document(seeds: Path, index: Path):
    embedder = HashEmbedder()
    report = build(seeds, index, embedder)
    assert sorted(report.embedded) == ["chip-pact", "putin-beijing", "rivers"]
    assert report.reused == [] and report.removed == []
    assert embedder.passage_texts


def test_answers_come_from_the_index(built: Path):
    response = service_for(built, HashEmbedder()).ask("export licences for photoresists", 3)
    top = response.passages[0]
    assert "photoresists" in top.text
    assert top.citation.document == "chip-pact"
    assert top.citation.section == "What the deal covers"


# -- incremental rebuilds ------------------------------------------------------


def test_unchanged_rebuild_embeds_nothing(built: Path, seeds: Path):
    before = answers(built, HashEmbedder())
    embedder = HashEmbedder()
    report = build(seeds, built, embedder)
    assert embedder.passage_batches == []
    assert sorted(report.reused) == ["chip-pact", "putin-beijing", "rivers"]
    assert report.embedded == []
    assert answers(built, HashEmbedder()) == before


def test_changed_document_alone_is_reembedded(built: Path, seeds: Path, tmp_path: Path):
    (seeds / "chip-pact.en.txt").write_text(CHANGED_ENGLISH, encoding="utf-8")
    embedder = HashEmbedder()
    report = build(seeds, built, embedder)
    assert report.embedded == ["chip-pact"]
    assert sorted(report.reused) == ["putin-beijing", "rivers"]
    assert embedder.passage_texts and embedded_only(embedder, parsed(seeds)["chip-pact"])
    manifest = IndexStore(built).read_manifest()
    assert manifest["documents"]["chip-pact"]["hash"] == content_hash(CHANGED_ENGLISH)
    assert answers(built, HashEmbedder()) == fresh_answers(tmp_path, seeds)


def test_added_document_alone_is_embedded(built: Path, seeds: Path, tmp_path: Path):
    (seeds / "probe.en.txt").write_text(EXTRA_ARTICLE, encoding="utf-8")
    embedder = HashEmbedder()
    report = build(seeds, built, embedder)
    assert report.embedded == ["probe"]
    assert embedded_only(embedder, parsed(seeds)["probe"])
    assert IndexStore(built).read_manifest()["count"] == sum(
        len(d.passages) for d in parsed(seeds).values()
    )
    assert answers(built, HashEmbedder()) == fresh_answers(tmp_path, seeds)


def test_removed_document_is_dropped(built: Path, seeds: Path, tmp_path: Path):
    (seeds / "rivers.md").unlink()
    embedder = HashEmbedder()
    report = build(seeds, built, embedder)
    assert report.removed == ["rivers"]
    assert embedder.passage_batches == []
    loaded = IndexStore(built).load()
    assert "rivers" not in loaded.documents
    assert all(p.document != "rivers" for p in loaded.passages)
    assert answers(built, HashEmbedder()) == fresh_answers(tmp_path, seeds)


def test_incremental_index_equals_a_fresh_one(built: Path, seeds: Path, tmp_path: Path):
    (seeds / "chip-pact.en.txt").write_text(CHANGED_ENGLISH, encoding="utf-8")
    (seeds / "probe.en.txt").write_text(EXTRA_ARTICLE, encoding="utf-8")
    (seeds / "rivers.md").unlink()
    build(seeds, built, HashEmbedder())
    fresh = tmp_path / "fresh"
    build(seeds, fresh, HashEmbedder())
    a, b = IndexStore(built).load(), IndexStore(fresh).load()
    assert a.passages == b.passages
    np.testing.assert_array_equal(all_vectors(a.vectors), all_vectors(b.vectors))
    for field in ("passage_rows", "starts", "ends", "vectors"):
        np.testing.assert_array_equal(getattr(a.sentences, field), getattr(b.sentences, field))


def test_a_new_analyzer_rebuilds_the_lexical_index_without_re_embedding(
    built: Path, seeds: Path, tmp_path: Path, monkeypatch
):
    # The served index stays strict: keys of another analyzer would stop matching.
    monkeypatch.setattr(rag.index.bm25, "ANALYZER_VERSION", "next")
    with pytest.raises(IndexCorruptError, match="analyzer"):
        IndexStore(built).load()
    embedder = HashEmbedder()
    report = build(seeds, built, embedder)
    assert embedder.passage_batches == [] and report.embedded == []
    assert not report.unchanged
    assert IndexStore(built).load().lexical is not None
    assert answers(built, HashEmbedder()) == fresh_answers(tmp_path, seeds)


def test_changed_parsing_rules_reembed_unchanged_files(
    built: Path, seeds: Path, tmp_path: Path, monkeypatch
):
    # Same files, but new ingestion rules split them differently (here: no line
    # is short enough to be a heading). Reusing the old vectors would misalign.
    monkeypatch.setattr(rag.ingest.plain, "MAX_SHORT_WORDS", 0)
    report = build(seeds, built, HashEmbedder())
    assert sorted(report.embedded) == ["chip-pact", "putin-beijing", "rivers"]
    assert answers(built, HashEmbedder()) == fresh_answers(tmp_path, seeds)


def test_changed_embedding_text_reembeds_unchanged_files(built: Path, seeds: Path, monkeypatch):
    build_index(seeds, IndexStore(built), HashEmbedder(), passage_vectors="full")
    real = rag.index.embedding.passage_embedding_text
    monkeypatch.setattr(
        rag.index.embedding,
        "passage_embedding_text",
        lambda doc, passage: "new rule | " + real(doc, passage),
    )
    embedder = HashEmbedder()
    report = build_index(seeds, IndexStore(built), embedder, passage_vectors="full")
    assert sorted(report.embedded) == ["chip-pact", "putin-beijing", "rivers"]
    assert any(t.startswith("new rule | ") for t in embedder.passage_texts)


def test_other_model_rebuilds_everything(built: Path, seeds: Path):
    report = build(seeds, built, HashEmbedder(name="fake-other", dim=32))
    assert sorted(report.embedded) == ["chip-pact", "putin-beijing", "rivers"]
    manifest = IndexStore(built).read_manifest()
    assert (manifest["model"], manifest["dim"]) == ("fake-other", 32)


def test_rebuild_keeps_current_and_previous_generation_only(built: Path, seeds: Path):
    first = IndexStore(built).current_path().name
    for _ in range(3):
        (seeds / "probe.en.txt").write_text(EXTRA_ARTICLE + f"\n{time.time_ns()}\n", "utf-8")
        previous = IndexStore(built).current_path().name
        build(seeds, built, HashEmbedder())
    current = IndexStore(built).current_path().name
    assert {p.name for p in built.glob("gen-*")} == {previous, current}
    assert first not in {previous, current}


# -- a killed build keeps the old index ----------------------------------------

KILL_SCRIPT = """
import os, sys, time
from pathlib import Path

import rag.embeddings
import rag.index.builder
import rag.index.embedding
import rag.ingest.plain
from helpers import HashEmbedder

mode, seeds, index, marker = sys.argv[1:5]
embedder = HashEmbedder(delay=60, marker=marker) if mode == "embedding" else HashEmbedder()

if mode == "writing":
    real_write = rag.index.builder.write_vector_index

    def write_then_hang(vectors, path):
        real_write(vectors, path)  # the new generation is half written
        Path(marker).touch()
        time.sleep(60)

    rag.index.builder.write_vector_index = write_then_hang

if mode == "swap":
    real_replace = os.replace

    def die_before_swap(src, dst):
        if Path(dst).name == "CURRENT":
            os._exit(9)  # the new generation is complete, CURRENT not yet replaced
        real_replace(src, dst)

    os.replace = die_before_swap

rag.embeddings.load_embedder = lambda name=None: embedder
from rag.cli import main

main(["index", "--seeds", seeds, "--index", index])
"""


def run_indexer(tmp_path: Path, mode: str, seeds: Path, index: Path) -> int:
    """Run `rag index` in a subprocess and kill it at the point `mode` names."""
    script = tmp_path / "kill_indexer.py"
    script.write_text(KILL_SCRIPT, encoding="utf-8")
    marker = tmp_path / f"{mode}.started"
    proc = subprocess.Popen(
        [PYTHON, str(script), mode, str(seeds), str(index), str(marker)],
        env=subprocess_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        if mode == "swap":
            return proc.wait(timeout=60)
        deadline = time.monotonic() + 60
        while not marker.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"indexer never reached {mode}: {proc.communicate()}")
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        return proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("mode", ["embedding", "writing", "swap"])
def test_killed_indexer_keeps_the_old_index(mode: str, built: Path, seeds: Path, tmp_path: Path):
    before = answers(built, HashEmbedder())
    generation = IndexStore(built).current_path()
    (seeds / "chip-pact.en.txt").write_text(CHANGED_ENGLISH, encoding="utf-8")

    code = run_indexer(tmp_path, mode, seeds, built)

    assert code == (9 if mode == "swap" else -signal.SIGKILL)
    assert IndexStore(built).current_path() == generation
    assert answers(built, HashEmbedder()) == before
    if mode == "writing":
        assert list(built.glob(".tmp-*")), "the half-written generation should be aside"


@pytest.mark.parametrize("mode", ["embedding", "writing", "swap"])
def test_build_after_a_kill_succeeds_and_cleans_up(
    mode: str, built: Path, seeds: Path, tmp_path: Path
):
    old = IndexStore(built).current_path().name
    (seeds / "chip-pact.en.txt").write_text(CHANGED_ENGLISH, encoding="utf-8")
    run_indexer(tmp_path, mode, seeds, built)

    report = build(seeds, built, HashEmbedder())

    assert report.embedded == ["chip-pact"]
    assert not list(built.glob(".tmp-*")) and not list(built.glob(f".{POINTER}.*"))
    new = IndexStore(built).current_path().name
    assert {p.name for p in built.glob("gen-*")} == {old, new}
    assert answers(built, HashEmbedder()) == fresh_answers(tmp_path, seeds)


# -- clear errors ----------------------------------------------------------------


def test_missing_index_names_the_fix(tmp_path: Path):
    with pytest.raises(IndexMissingError, match="rag index"):
        IndexStore(tmp_path / "nowhere").load()


def test_model_mismatch_names_both_models_and_the_fix(seeds: Path, index: Path):
    build(seeds, index, HashEmbedder(name="fake-a"))
    with pytest.raises(ModelMismatchError) as caught:
        IndexStore(index).load(expected_model="fake-b")
    message = str(caught.value)
    assert "'fake-a'" in message and "'fake-b'" in message
    assert "rag index --model fake-b" in message and "RAG_MODEL=fake-a" in message


def test_service_refuses_an_index_of_another_model(seeds: Path, index: Path):
    build(seeds, index, HashEmbedder(name="fake-a"))
    with pytest.raises(ModelMismatchError):
        service_for(index, HashEmbedder(name="fake-b"))


def _current(index: Path) -> Path:
    return IndexStore(index).current_path()


def truncate_vectors(index: Path) -> None:
    path = _current(index) / VECTORS
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def garble_documents(index: Path) -> None:
    path = _current(index) / DOCUMENTS
    data = bytearray(path.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 40] = b"\x00garbage{" * 5
    path.write_bytes(bytes(data))


def tamper_documents(index: Path) -> None:
    # Still valid JSON, same size: only the checksum can tell.
    path = _current(index) / DOCUMENTS
    path.write_text(path.read_text(encoding="utf-8").replace("Jane", "Jake"), encoding="utf-8")


def delete_manifest(index: Path) -> None:
    (_current(index) / MANIFEST).unlink()


def garble_manifest(index: Path) -> None:
    (_current(index) / MANIFEST).write_text('{"format": 1, "model": ', encoding="utf-8")


def strip_manifest(index: Path) -> None:
    path = _current(index) / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    del manifest["model"]
    path.write_text(json.dumps(manifest), encoding="utf-8")


def edit_manifest(index: Path, edit) -> None:
    path = _current(index) / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    edit(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")


def manifest_count_mismatch(index: Path) -> None:
    edit_manifest(index, lambda m: m.update(count=m["count"] + 1))


def manifest_wrong_dim(index: Path) -> None:
    edit_manifest(index, lambda m: m.update(dim=m["dim"] + 1))


def manifest_without_checksums(index: Path) -> None:
    edit_manifest(index, lambda m: m.pop("files"))


def manifest_skips_a_checksum(index: Path) -> None:
    edit_manifest(index, lambda m: m["files"].pop(VECTORS))


def manifest_wrong_checksum(index: Path) -> None:
    edit_manifest(index, lambda m: m["files"][DOCUMENTS].update(sha256="0" * 64))


def manifest_malformed_checksum(index: Path) -> None:
    edit_manifest(index, lambda m: m["files"].update({VECTORS: "not an entry"}))


def manifest_checksums_outside(index: Path) -> None:
    entry = {"sha256": "0" * 64, "bytes": 1}
    edit_manifest(index, lambda m: m["files"].update({f"../{POINTER}": entry}))


def manifest_calibration_garbled(index: Path) -> None:
    edit_manifest(index, lambda m: m["calibration"].update({"background_tops": "garbled"}))


def delete_sentences(index: Path) -> None:
    (_current(index) / SENTENCES).unlink()


def pointer_to_nowhere(index: Path) -> None:
    (index / POINTER).write_text("gen-19700101T000000-000000\n", encoding="utf-8")


def pointer_escapes(index: Path) -> None:
    (index / POINTER).write_text("../../etc\n", encoding="utf-8")


def pointer_empty(index: Path) -> None:
    (index / POINTER).write_text("", encoding="utf-8")


def pointer_binary(index: Path) -> None:
    (index / POINTER).write_bytes(b"\xff\xfe\x00\x81gen")


DAMAGE = [
    truncate_vectors,
    garble_documents,
    tamper_documents,
    delete_manifest,
    garble_manifest,
    strip_manifest,
    manifest_count_mismatch,
    manifest_wrong_dim,
    manifest_without_checksums,
    manifest_skips_a_checksum,
    manifest_wrong_checksum,
    manifest_malformed_checksum,
    manifest_checksums_outside,
    delete_sentences,
    pointer_to_nowhere,
    pointer_escapes,
    pointer_empty,
    pointer_binary,
]
# What a build derives from the documents: unreadable, it is an error to load,
# and the next build fits it again from the vectors it has.
DERIVED_DAMAGE = [manifest_calibration_garbled]


@pytest.mark.parametrize("damage", DAMAGE + DERIVED_DAMAGE, ids=lambda f: f.__name__)
def test_corrupt_index_is_a_clear_error(damage, built: Path):
    damage(built)
    with pytest.raises(IndexCorruptError) as caught:
        IndexStore(built).load(expected_model="fake-hash")
    message = str(caught.value)
    assert "rebuild with `rag index`" in message
    assert "\n" not in message


@pytest.mark.parametrize("damage", DAMAGE, ids=lambda f: f.__name__)
def test_rebuild_repairs_a_corrupt_index(damage, built: Path, seeds: Path, tmp_path: Path):
    damage(built)
    report = build(seeds, built, HashEmbedder())
    assert sorted(report.embedded) == ["chip-pact", "putin-beijing", "rivers"]
    assert answers(built, HashEmbedder()) == fresh_answers(tmp_path, seeds)


@pytest.mark.parametrize("damage", DERIVED_DAMAGE, ids=lambda f: f.__name__)
def test_rebuild_refits_a_garbled_calibration_without_embedding(
    damage, built: Path, seeds: Path, tmp_path: Path
):
    damage(built)
    report = build(seeds, built, HashEmbedder())
    assert report.embedded == []
    assert answers(built, HashEmbedder()) == fresh_answers(tmp_path, seeds)


# -- the real default model ----------------------------------------------------


class CountingEmbedder:
    def __init__(self, inner) -> None:
        self.inner, self.name, self.dim, self.calls = inner, inner.name, inner.dim, 0

    def embed_queries(self, texts):
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts):
        self.calls += 1
        return self.inner.embed_passages(texts)


@pytest.mark.e2e
def test_real_model_index_manifest_and_reuse(tmp_path_factory, tmp_path: Path):
    copy = tmp_path / "index"
    shutil.copytree(real_index(tmp_path_factory), copy)
    manifest = IndexStore(copy).read_manifest()
    assert manifest["model"] == "multilingual-e5-small"
    assert manifest["dim"] == 384
    assert manifest["count"] == sum(len(load_document(p).passages) for p in discover(SEEDS))
    counting = CountingEmbedder(real_embedder())
    report = build(SEEDS, copy, counting)
    assert counting.calls == 0 and report.embedded == []
    vectors = all_vectors(IndexStore(copy).load(expected_model="multilingual-e5-small").vectors)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)


def test_settings_default_exact_search_limit_matches_the_measured_constant():
    from rag.config import Settings
    from rag.index.vectors import EXACT_SEARCH_LIMIT

    assert Settings(_env_file=None).exact_search_limit == EXACT_SEARCH_LIMIT


def test_progress_counts_every_embedded_text_and_ends_at_its_total(tmp_path):
    from helpers import write_seeds

    from rag.index.builder import build_index
    from rag.index.store import IndexStore

    embedder = HashEmbedder()
    totals: list[int] = []
    done: list[int] = []
    build_index(
        write_seeds(tmp_path / "seeds"),
        IndexStore(tmp_path / "index"),
        embedder,
        on_total=totals.append,
        on_progress=done.append,
    )
    embedded = sum(len(b) for b in embedder.passage_batches + embedder.query_batches)
    assert sum(done) == sum(totals) == embedded
