"""The focus and distinct steps' cost: a question's path with and without them, in one run.

The focus (`rag.query.focus`) embeds the question once more, less the words
that name its article, when it names at least half of that article's title.
Over the same archive questions, in a row: embed, retrieve the focus pool and
stop, against the same followed by the focus. Both sides pay the question's
own embedding, so the ratio is what a question costs more with the focus.
The distinct step (`rag.query.distinct`) is timed alone over the focused
candidates, against the same plain path. The retriever has the service's
dictionary when one is given, so both sides pay its lookups as a question
does.
"""

from __future__ import annotations

import statistics
import time

from rag.embeddings import Embedder
from rag.index.store import LoadedIndex
from rag.query.analyse import analyse
from rag.query.distinct import distinct
from rag.query.embed import QueryEmbedder
from rag.query.focus import FOCUS_CANDIDATES, focus
from rag.query.retrieve import Retriever
from rag.text.dictionary import BilingualDictionary


def focus_cost(
    index: LoadedIndex,
    embedder: Embedder,
    questions: list[str],
    dictionary: BilingualDictionary | None = None,
) -> dict:
    """Median and mean of a question's embed and retrieve, without and with the focus."""
    vectors = QueryEmbedder(embedder, None)
    retriever = Retriever(index, dictionary=dictionary)
    queries = [analyse(text, index.languages) for text in questions]

    copies: list[float] = []

    def timed(focused: bool) -> tuple[list[float], int]:
        times, moved = [], 0
        for query in queries:
            t0 = time.perf_counter()
            retrieval = retriever.retrieve(query, vectors.embed(query), FOCUS_CANDIDATES)
            if focused:
                after = focus(retriever, query, retrieval, vectors.embed_text)
                moved += after is not retrieval
                t1 = time.perf_counter()
                distinct(index, after)
                copies.append((time.perf_counter() - t1) * 1000)
                t0 += time.perf_counter() - t1  # the focus figure stays the focus's own
            times.append((time.perf_counter() - t0) * 1000)
        return times, moved

    timed(False)  # warm the word cache, so that both sides embed only the question
    plain, _ = timed(False)
    with_focus, focused = timed(True)
    return {
        "questions": len(queries),
        "focused": focused,
        "plain_p50_ms": round(statistics.median(plain), 2),
        "focus_p50_ms": round(statistics.median(with_focus), 2),
        # Only the focused questions pay, so the mean shows the cost the median hides.
        "plain_mean_ms": round(statistics.fmean(plain), 2),
        "focus_mean_ms": round(statistics.fmean(with_focus), 2),
        "focus_over_plain": round(statistics.fmean(with_focus) / statistics.fmean(plain), 2),
        "distinct_mean_ms": round(statistics.fmean(copies), 3),
        "distinct_over_plain": round(statistics.fmean(copies) / statistics.fmean(plain), 3),
    }
