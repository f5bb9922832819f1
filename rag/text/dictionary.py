"""A bilingual dictionary: FreeDict's English-Arabic and Arabic-English word lists.

The embedding translates a question word by mutual nearest neighbour among the
corpus terms (`rag.query.translate`), and a single word out of context is where
multilingual-e5-small is weakest: "continent" found no Arabic term, "finance"
none, "Anthem" only a name's skeleton (يحتم). A dictionary knows قارة, تمويل and
نشيد. Debian packages FreeDict's lists (`dict-freedict-eng-ara`, 87,424
headwords, and `dict-freedict-ara-eng`, 52,996; GPL, installed beside the
service, never copied into it), and `scripts/ensure-dictionary` installs them.

Only single-word translations count, and each in its match-key form, so that
they meet the corpus as its own words do. It is a back-off: a word counts as
its dictionary translations that the corpus holds only when the embedding's
mutual test found it none (`rag.query.translate`). Measured on the dev archive
(`make eval-archive`, the figures in docs/quality.md): hit@1
ar -> en 0.846 -> 0.875 and en -> ar 0.854 -> 0.873, answered en -> ar 0.944 ->
0.957 and ar -> en 0.981 -> 1.000, null on absent topics 0.809 -> 0.805; the
seed article's hit@1 0.803 -> 0.816. The highlight alone counts them for every
word, as its senses (`WordMatch.senses`): between one passage's sentences a
wrong sense seldom occurs.

The dictd format is a text index of (headword, base-64 offset, base-64 length)
into a gzip-compressed file of entries, read here in a few lines; PyGlossary,
which reads it among a hundred formats, would be a large dependency for that.
Parsing both lists takes about 2.5 s, almost all of it in the analyzer's
tokenizer over 175,000 headwords and senses. So the parsed table is kept as
JSON in a cache folder (`RAG_CACHE_DIR`, by default ~/.cache/rag), named by
the lists' sizes and times, the analyzer's version and this reader's: read
back in about 0.2 s, and parsed afresh whenever any of those changes. A
server or a one-question `rag ask` starts that much sooner. A cache that
cannot be read or written is only a slower start.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from rag.text.arabic import ANALYZER_VERSION, tokenize

log = logging.getLogger(__name__)

# (file stem, headword language, translation language)
FREEDICT_LISTS = (("freedict-eng-ara", "en", "ar"), ("freedict-ara-eng", "ar", "en"))
INSTALL_HINT = "apt-get install -y dict-freedict-eng-ara dict-freedict-ara-eng"
_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
# Part of the cache's name: a change to what `read_dictd` keeps must change it.
READER_VERSION = "1"


@dataclass(frozen=True)
class BilingualDictionary:
    """Match key -> the match keys that translate it, per (from, to) language pair."""

    pairs: dict[tuple[str, str], dict[str, frozenset[str]]] = field(default_factory=dict)

    def translations(self, key: str, source: str, target: str) -> frozenset[str]:
        return self.pairs.get((source, target), {}).get(key, frozenset())

    def __bool__(self) -> bool:
        return any(self.pairs.values())


def dictd_number(text: str) -> int:
    """A dictd index number: base 64, most significant digit first."""
    value = 0
    for char in text:
        value = value * 64 + _DIGITS.index(char)
    return value


def read_dictd(index_file: Path, dict_file: Path) -> dict[str, frozenset[str]]:
    """Headword key -> keys of its single-word translations, from one dictd list."""
    with gzip.open(dict_file) as compressed:  # dictzip is gzip with a seek table
        data = compressed.read()
    found: dict[str, set[str]] = {}
    for line in index_file.read_text("utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) != 3 or parts[0].startswith("00database"):
            continue  # the list's own metadata entries
        start, length = dictd_number(parts[1]), dictd_number(parts[2])
        entry = data[start : start + length].decode("utf-8", "replace").splitlines()
        if not entry:
            continue
        head = tokenize(entry[0].split(" /")[0])  # "Anthem /ˈanθəm/": headword, then IPA
        if len(head) != 1:
            continue
        for sense in entry[1:]:
            sense = sense.strip()
            number, _, rest = sense.partition(". ")
            keys = tokenize(rest if number.isdigit() else sense)  # "1. Diviner"
            if len(keys) == 1:
                found.setdefault(head[0], set()).add(keys[0])
    return {key: frozenset(keys) for key, keys in found.items()}


@functools.cache
def load_dictionary(directory: Path | None, cache_dir: Path | None = None) -> BilingualDictionary:
    """The FreeDict lists in `directory` (Debian: /usr/share/dictd); an empty dictionary,
    with a warning that names the fix, when they are missing or unreadable. With
    `cache_dir`, the parsed lists are read from and kept there."""
    if directory is None:
        return BilingualDictionary()
    cache = _cache_file(directory, cache_dir) if cache_dir is not None else None
    cached = _read_cache(cache) if cache is not None else None
    if cached is not None:
        return cached
    pairs: dict[tuple[str, str], dict[str, frozenset[str]]] = {}
    for stem, source, target in FREEDICT_LISTS:
        index_file, dict_file = _list_files(directory, stem)
        try:
            pairs[(source, target)] = read_dictd(index_file, dict_file)
        except (OSError, ValueError, EOFError) as exc:
            log.warning(
                "bilingual dictionary %s unavailable (%s): words are translated by embedding "
                "only; install it with `%s`, or set RAG_DICTIONARY_DIR",
                stem,
                exc.__class__.__name__,
                INSTALL_HINT,
            )
    dictionary = BilingualDictionary(pairs)
    if cache is not None and len(pairs) == len(FREEDICT_LISTS):
        _write_cache(cache, dictionary)  # never a partial table: it would outlive the fix
    return dictionary


def _list_files(directory: Path, stem: str) -> tuple[Path, Path]:
    return directory / f"{stem}.index", directory / f"{stem}.dict.dz"


def _cache_file(directory: Path, cache_dir: Path) -> Path | None:
    """The cache's path for the lists as they are now; None when a list is missing."""
    stamp: list[object] = [READER_VERSION, ANALYZER_VERSION]
    for stem, _, _ in FREEDICT_LISTS:
        for path in _list_files(directory, stem):
            try:
                info = path.stat()
            except OSError:
                return None
            stamp.append([str(path.resolve()), info.st_size, info.st_mtime_ns])
    digest = hashlib.sha256(json.dumps(stamp).encode()).hexdigest()[:20]
    return cache_dir / f"dictionary-{digest}.json"


def _read_cache(path: Path) -> BilingualDictionary | None:
    try:
        data = json.loads(path.read_text("utf-8"))
        pairs = {
            tuple(pair.split("|")): {key: frozenset(keys) for key, keys in table.items()}
            for pair, table in data.items()
        }
    except FileNotFoundError:
        return None
    except (OSError, ValueError, AttributeError, TypeError) as exc:
        log.info("dictionary cache %s unreadable (%s): parsing the lists", path, exc)
        return None
    return BilingualDictionary(pairs)


def _write_cache(path: Path, dictionary: BilingualDictionary) -> None:
    data = {
        f"{source}|{target}": {key: sorted(keys) for key, keys in table.items()}
        for (source, target), table in dictionary.pairs.items()
    }
    temporary: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed: a reader never sees half a table.
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".dictionary-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False)
        os.replace(temporary, path)
    except OSError as exc:
        log.info("dictionary cache %s not written (%s)", path, exc)
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
