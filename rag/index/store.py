"""The index on disk: immutable generations behind an atomically swapped pointer.

    index/
      CURRENT            -> "gen-20261128T231500-1a2b"   (replaced atomically)
      gen-.../manifest.json, vectors.faiss, documents.jsonl, sentences.npz, bm25.*

A build writes a whole new generation in a `.tmp-*` folder, fsyncs it, renames
it, and only then replaces CURRENT. A crash at any point leaves CURRENT naming
the previous, complete generation. Every file's SHA-256 is in the manifest, so
a truncated or tampered file is caught at load, before FAISS parses it.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import faiss
import numpy as np

from rag.documents import Document, Passage
from rag.errors import IndexCorruptError, IndexMissingError, ModelMismatchError
from rag.index.bm25 import BM25Index
from rag.index.calibration import Calibration
from rag.index.leases import leased, prune
from rag.index.terms import TermTable
from rag.index.vectors import read_vector_index

# 2: documents grouped by language, the term table with languages, a calibration.
FORMAT_VERSION = 2
POINTER = "CURRENT"
MANIFEST = "manifest.json"
VECTORS = "vectors.faiss"
DOCUMENTS = "documents.jsonl"
SENTENCES = "sentences.npz"
_REQUIRED_KEYS = ("model", "dim", "count", "documents", "files", "calibration")
# The files every generation has; the manifest must checksum each of them.
_CHECKSUMMED = (VECTORS, DOCUMENTS, SENTENCES)

T = TypeVar("T")


@dataclass
class SentenceTable:
    """Sentence spans (absolute offsets in their document) and their vectors.

    Sentences are sorted by passage: passage r owns rows `offsets[r]:offsets[r + 1]`.
    """

    passage_rows: np.ndarray  # int32, row of the passage each sentence sits in
    starts: np.ndarray  # int32
    ends: np.ndarray  # int32
    vectors: np.ndarray  # float16 (n, dim); cast the few rows in use to float32
    passages: int = 0

    def __post_init__(self) -> None:
        self.offsets = np.searchsorted(self.passage_rows, np.arange(self.passages + 1))

    def rows_of(self, passage_row: int) -> range:
        return range(int(self.offsets[passage_row]), int(self.offsets[passage_row + 1]))

    def subset(self, rows: np.ndarray) -> SentenceTable:
        """The sentences of passage `rows` (renumbered 0..len-1), with float32 vectors: a
        fixed sample scored for every question converts its vectors once, not each time."""
        rows = np.asarray(rows, dtype=np.int64)
        counts = self.counts(rows)
        picked = np.concatenate(
            [np.arange(self.offsets[r], self.offsets[r + 1]) for r in rows] or [np.array([], int)]
        ).astype(np.int64)
        return SentenceTable(
            np.repeat(np.arange(len(rows)), counts).astype(np.int32),
            self.starts[picked],
            self.ends[picked],
            self.vectors[picked].astype(np.float32),
            passages=len(rows),
        )

    def counts(self, rows: np.ndarray) -> np.ndarray:
        """How many sentence pieces each of the passage `rows` has."""
        return self.offsets[rows + 1] - self.offsets[rows]

    def best(
        self, queries: np.ndarray, rows: np.ndarray, fallback: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each query's best sentence similarity in each passage row, and that sentence.

        `fallback` (queries x rows) stands for passages without sentences; their
        best sentence is -1. One product covers every sentence of every row.
        """
        queries = np.atleast_2d(queries)
        values = np.array(fallback, dtype=np.float32, copy=True).reshape(len(queries), len(rows))
        best = np.full(values.shape, -1, dtype=np.int64)
        starts = self.offsets[rows]
        counts = self.counts(rows)
        total = int(counts.sum())
        if not total:
            return values, best
        owner = np.repeat(np.arange(len(rows)), counts)
        before = np.cumsum(counts) - counts  # where each row's sentences begin
        sentence_rows = np.repeat(starts, counts) + np.arange(total) - before[owner]
        # A table that covers all its rows in order (a `subset`) needs no gather.
        whole = total == len(self.vectors) and np.array_equal(sentence_rows, np.arange(total))
        block = self.vectors if whole else self.vectors[sentence_rows]
        sims = queries.astype(np.float32) @ block.astype(np.float32, copy=False).T
        has = counts > 0
        # The best of each row's group: maximum over a reduceat of contiguous runs.
        peak = np.maximum.reduceat(sims, before[has], axis=1)
        values[:, has] = peak
        for q in range(len(queries)):
            # Sorted by (row, -similarity), each row's group opens with its best.
            order = np.lexsort((-sims[q], owner))
            best[q, has] = sentence_rows[order[before[has]]]
        return values, best


@dataclass
class LoadedIndex:
    path: Path
    manifest: dict
    vectors: faiss.Index
    documents: dict[str, Document]
    passages: list[Passage]
    sentences: SentenceTable
    # None only when loaded with strict=False: what a build derives anew from the
    # documents, kept from an older version of this code.
    lexical: BM25Index | None
    terms: TermTable
    calibration: Calibration | None

    @property
    def model(self) -> str:
        return self.manifest["model"]

    @property
    def generation(self) -> str:
        return self.path.name

    @functools.cached_property
    def document_rows(self) -> dict[str, range]:
        """Each document's passage rows: contiguous, in the order the builder wrote them."""
        rows: dict[str, range] = {}
        row = 0
        for doc in self.documents.values():
            rows[doc.id] = range(row, row + len(doc.passages))
            row += len(doc.passages)
        return rows

    @functools.cached_property
    def language_rows(self) -> dict[str, range]:
        """Each language's passage rows: contiguous, because the builder groups documents."""
        spans: dict[str, range] = {}
        for doc in self.documents.values():
            rows = self.document_rows[doc.id]
            if not rows:
                continue
            span = spans.get(doc.language)
            spans[doc.language] = range(span.start if span else rows.start, rows.stop)
        return spans

    @functools.cached_property
    def passage_languages(self) -> np.ndarray:
        languages = np.empty(len(self.passages), dtype=object)
        for language, rows in self.language_rows.items():
            languages[rows.start : rows.stop] = language
        return languages

    @property
    def languages(self) -> frozenset[str]:
        return frozenset(self.language_rows)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _valid_checksums(files: object) -> bool:
    """`files` maps plain file names to their size and SHA-256, the required ones included."""
    if not isinstance(files, dict) or not all(name in files for name in _CHECKSUMMED):
        return False
    return all(
        isinstance(name, str)
        and "/" not in name
        and not name.startswith(".")
        and isinstance(entry, dict)
        and type(entry.get("bytes")) is int
        and isinstance(entry.get("sha256"), str)
        for name, entry in files.items()
    )


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class IndexStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    # -- reading ---------------------------------------------------------------

    def current_path(self) -> Path | None:
        pointer = self.root / POINTER
        if not pointer.is_file():
            return None
        try:
            name = pointer.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise IndexCorruptError(
                f"{pointer} is unreadable ({exc}); rebuild with `rag index`"
            ) from exc
        if not name or "/" in name or name.startswith("."):
            raise IndexCorruptError(f"{pointer} is damaged; rebuild with `rag index`")
        return self.root / name

    def current_name(self) -> str | None:
        """The generation CURRENT names, without loading it (a cheap poll)."""
        path = self.current_path()
        return path.name if path is not None else None

    def read_manifest(self) -> dict | None:
        path = self.current_path()
        if path is None:
            return None
        try:
            return json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def load(self, expected_model: str | None = None, strict: bool = True) -> LoadedIndex:
        """The current index. `strict=False` accepts one whose calibration or lexical index
        this code no longer reads: a build reuses its vectors and derives both anew, so a
        new analyzer or calibration never re-embeds an archive."""
        path = self.current_path()
        if path is None:
            raise IndexMissingError(
                f"no index in {self.root}/; build it with `rag index` (or `make index`)"
            )
        manifest = self._verified_manifest(path)
        if expected_model is not None and manifest["model"] != expected_model:
            raise ModelMismatchError(
                f"the index in {self.root}/ was built with model {manifest['model']!r} but "
                f"{expected_model!r} is configured; rebuild with `rag index --model "
                f"{expected_model}` or set RAG_MODEL={manifest['model']}"
            )
        try:
            vectors = read_vector_index(path / VECTORS)
            documents = [
                Document.from_dict(json.loads(line))
                for line in (path / DOCUMENTS).read_text(encoding="utf-8").splitlines()
                if line.strip()
            ]
            with np.load(path / SENTENCES) as data:
                sentences = SentenceTable(
                    data["passage_rows"],
                    data["starts"],
                    data["ends"],
                    data["vectors"],
                    passages=int(manifest["count"]),
                )
            lexical = _derived(lambda: BM25Index.load(path), strict)
            terms = TermTable.load(path)
            calibration = _derived(lambda: Calibration.from_dict(_calibration_of(manifest)), strict)
        except (OSError, ValueError, KeyError, TypeError, RuntimeError, AttributeError) as exc:
            raise IndexCorruptError(
                f"the index in {path} cannot be read ({exc}); rebuild with `rag index`"
            ) from exc
        passages = [p for d in documents for p in d.passages]
        if vectors.ntotal != len(passages) or vectors.ntotal != manifest["count"]:
            raise IndexCorruptError(
                f"the index in {path} is inconsistent: {vectors.ntotal} vectors for "
                f"{len(passages)} passages; rebuild with `rag index`"
            )
        if vectors.d != manifest["dim"]:
            raise IndexCorruptError(
                f"the index in {path} has the wrong dimension; rebuild with `rag index`"
            )
        return LoadedIndex(
            path,
            manifest,
            vectors,
            {d.id: d for d in documents},
            passages,
            sentences,
            lexical,
            terms,
            calibration,
        )

    def _verified_manifest(self, path: Path) -> dict:
        try:
            manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise IndexCorruptError(
                f"the index in {path} has no manifest; rebuild with `rag index`"
            ) from exc
        except (OSError, ValueError) as exc:
            raise IndexCorruptError(
                f"the manifest in {path} is unreadable ({exc}); rebuild with `rag index`"
            ) from exc
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
            raise IndexCorruptError(
                f"the index in {path} has an unknown format; rebuild with `rag index`"
            )
        missing = [key for key in _REQUIRED_KEYS if key not in manifest]
        if missing:
            raise IndexCorruptError(
                f"the manifest in {path} lacks {', '.join(missing)}; rebuild with `rag index`"
            )
        files = manifest["files"]
        if not _valid_checksums(files):
            raise IndexCorruptError(
                f"the manifest in {path} does not checksum every index file; "
                "rebuild with `rag index`"
            )
        for name, expected in files.items():
            file = path / name
            if not file.is_file():
                raise IndexCorruptError(f"{file} is missing; rebuild with `rag index`")
            if file.stat().st_size != expected["bytes"] or sha256_file(file) != expected["sha256"]:
                raise IndexCorruptError(
                    f"{file} is truncated or corrupt (checksum mismatch); rebuild with `rag index`"
                )
        return manifest

    # -- writing ---------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """One builder at a time; a second waits rather than racing on CURRENT."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".lock").open("w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def new_generation(self) -> Iterator[Path]:
        """Yield an empty folder to fill; on success it becomes the current index."""
        self.root.mkdir(parents=True, exist_ok=True)
        self._remove_stale_temps()
        name = f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
        tmp = self.root / f".tmp-{name}"
        tmp.mkdir()
        try:
            previous = self.current_path()
        except IndexCorruptError:
            previous = None
        try:
            yield tmp
            self._seal(tmp)
            final = self.root / name
            os.rename(tmp, final)
            _fsync_dir(self.root)
            self._point_to(name)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        self._remove_old_generations(keep={name, previous.name if previous else name})

    def _seal(self, folder: Path) -> None:
        """Checksum every file into the manifest, then fsync all of it."""
        manifest_path = folder / MANIFEST
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        manifest["files"] = {
            f.name: {"sha256": sha256_file(f), "bytes": f.stat().st_size}
            for f in sorted(folder.iterdir())
            if f.name != MANIFEST
        }
        manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8")
        for f in folder.iterdir():
            with f.open("rb") as fh:
                os.fsync(fh.fileno())
        _fsync_dir(folder)

    def _point_to(self, name: str) -> None:
        tmp = self.root / f".{POINTER}.{uuid.uuid4().hex[:6]}"
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write(name + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.root / POINTER)
        _fsync_dir(self.root)

    def _remove_stale_temps(self) -> None:
        for leftover in self.root.glob(".tmp-*"):
            shutil.rmtree(leftover, ignore_errors=True)
        for leftover in self.root.glob(f".{POINTER}.*"):
            leftover.unlink(missing_ok=True)

    def _remove_old_generations(self, keep: set[str]) -> None:
        # The previous generation (the one CURRENT named before this build) stays:
        # a server that has not swapped yet may still be reading it. Anything
        # else is older, or an orphan of a build killed before the swap. Names
        # are not a reliable age order (two builds in one second differ only by
        # a random suffix), so the pointer decides, not sorting.
        # A generation that a replica leased (rag/index/leases.py) stays too: replicas
        # on a shared index folder move to a new generation each at its own moment.
        keep = keep | leased(self.root)
        for old in self.root.glob("gen-*"):
            if old.is_dir() and old.name not in keep:
                shutil.rmtree(old, ignore_errors=True)
        prune(self.root, {p.name for p in self.root.glob("gen-*") if p.is_dir()})


def _calibration_of(manifest: dict) -> dict:
    """The manifest's calibration, with the sentence rule an index of build rules 4 was
    fitted with but did not record (the pieces rule came in with rules 4)."""
    data = manifest["calibration"]
    if "sentence_rule" not in data and manifest.get("rules") == 4:
        return {**data, "sentence_rule": "pieces"}
    return data


def _derived(read: Callable[[], T], strict: bool) -> T | None:
    """What `read` loads, or None when this code cannot read it and `strict` is off."""
    try:
        return read()
    except (KeyError, ValueError, TypeError, AttributeError):
        if strict:
            raise
        return None
