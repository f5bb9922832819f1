"""Matching a question's words across languages, with the term table's neighbours kept.

Matching (`rag.query.translate`) asks the term table for each question
word's nearest terms and for the nearest term of each candidate translation,
each a flat scan of one language's terms. `TermTable.nearest_to_words` and
`nearest_to_terms` keep each answer; this measures matching the same
questions, in a row, both ways in one run, and then with the bilingual
dictionary (`rag.text.dictionary`: the back-off for words the embedding
cannot translate, and every foreign word's senses for the highlight), whose
lists are read once per process: that reading is timed too, parsed and then
read back from the cache the first parse leaves.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path

from rag.embeddings import Embedder
from rag.index.store import LoadedIndex
from rag.query.analyse import analyse
from rag.query.embed import QueryEmbedder
from rag.query.translate import match_words
from rag.text.dictionary import BilingualDictionary, load_dictionary

QUESTIONS = 400


def archive_questions(folder: Path, limit: int = QUESTIONS) -> list[str]:
    """Questions of every set in `folder` (JSONL), interleaved, up to `limit`."""
    sets = [
        [json.loads(line)["question"] for line in path.read_text("utf-8").splitlines() if line]
        for path in sorted(folder.glob("*.jsonl"))
    ]
    mixed = [q for group in zip(*sets, strict=False) for q in group]
    return mixed[:limit]


def word_matching(
    index: LoadedIndex,
    embedder: Embedder,
    questions: list[str],
    dictionary_dir: Path | None,
) -> dict:
    """p50 of `match_words` per question, searching every time against keeping neighbours,
    and with the dictionary in `dictionary_dir` against without."""
    vectors = QueryEmbedder(embedder, None)
    prepared = []
    for text in questions:
        query = analyse(text, index.languages)
        prepared.append((query, vectors.embed(query)))
    terms = index.terms

    def p50(forget_each: bool, dictionary: BilingualDictionary | None = None) -> float:
        terms.forget_neighbours()
        times = []
        for query, embedded in prepared:
            if forget_each:
                terms.forget_neighbours()
            t0 = time.perf_counter()
            match_words(index, query, embedded, dictionary)
            times.append((time.perf_counter() - t0) * 1000)
        return statistics.median(times)

    searched, kept = p50(True), p50(False)
    with tempfile.TemporaryDirectory(prefix="rag-bench-dictionary-") as folder:
        cache = Path(folder)
        # Afresh each time, not the process's kept one: parsed and kept, then read back.
        t0 = time.perf_counter()
        dictionary = load_dictionary.__wrapped__(dictionary_dir, cache)
        load_s = time.perf_counter() - t0
        cached_s = None
        if dictionary and any(cache.iterdir()):  # nothing is kept from a partial table
            t0 = time.perf_counter()
            load_dictionary.__wrapped__(dictionary_dir, cache)
            cached_s = time.perf_counter() - t0
    listed = p50(False, dictionary) if dictionary else None
    return {
        "dictionary_load_s": round(load_s, 2) if dictionary else None,
        "dictionary_cached_s": round(cached_s, 3) if cached_s is not None else None,
        "cached_over_parsed": round(cached_s / load_s, 3) if cached_s is not None else None,
        "dictionary_p50_ms": round(listed, 3) if listed is not None else None,
        "dictionary_over_kept": round(listed / kept, 2) if listed is not None and kept else None,
        "questions": len(prepared),
        "terms": len(terms),
        "searched_p50_ms": round(searched, 3),
        "kept_p50_ms": round(kept, 3),
        "kept_over_searched": round(kept / searched, 2) if searched else None,
    }
