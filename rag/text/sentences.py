"""Sentence spans for highlights: offsets into the verbatim text, never copies.

A highlight must be quotable, so a sentence is a ``(start, end)`` pair with
``text[start:end]`` exactly as written, minus surrounding whitespace and a
leading bullet. Arabic prose often runs a whole paragraph on with commas; such
runs are cut at a comma when both sides keep enough words to stand alone.
"""

from __future__ import annotations

import re
from bisect import bisect_left

_FINAL = ".!?؟…۔"  # marks that end a sentence
_SEPARATORS = ";؛"  # clause separators, always a cut
_CLOSERS = "\"'”’»›)]"  # a quote or bracket right after the mark stays with it
_LINE_BREAKS = "\n\r\u2028\u2029\x0b\x0c\x85"
_BULLETS = "•◦▪▫‣●○■□·∙"
_DASH_BULLETS = "-*–—"  # bullets only when followed by whitespace
_COMMAS = "،,"
_OPENING_QUOTES = "“«"
_CLOSING_QUOTES = "”»"

# Lowercased words that end with a dot but rarely end a sentence.
_ABBREVIATION_WORDS = """
mr mrs ms dr prof sr jr st mt vs inc ltd co corp gen gov sen rep col lt sgt capt
no nos vol fig approx dept est jan feb mar apr jun jul aug sep sept oct nov dec
"""
_ABBREVIATIONS = frozenset(_ABBREVIATION_WORDS.split())
# Dotted letter groups: U.S, e.g, i.e, a.m (the final dot is the one examined).
_DOTTED = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")
_WORD = re.compile(r"\S+")

MIN_WORDS = 8
MAX_WORDS = 30


def split_sentences(
    text: str, *, min_words: int = MIN_WORDS, max_words: int = MAX_WORDS
) -> list[tuple[int, int]]:
    """Return sentence spans ``(start, end)`` of ``text`` in order.

    Spans are disjoint, non-empty and trimmed; together they cover every
    non-whitespace character except leading bullet marks. A sentence longer
    than ``max_words`` is cut at commas into pieces of at least ``min_words``.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for end in [*_cuts(text), len(text)]:
        piece = _trim(text, start, end)
        if piece is not None:
            spans.extend(_split_long(text, *piece, min_words, max_words))
        start = end
    return spans


def continues_sentence(text: str, end: int, next_start: int) -> bool:
    """Whether the span ending at `end` and the one starting at `next_start` are
    pieces of one sentence: `split_sentences` cut a long sentence at this comma."""
    gap = text[end:next_start]
    return (
        end > 0
        and text[end - 1] in _COMMAS
        and not gap.strip()
        and not any(ch in _LINE_BREAKS for ch in gap)
    )


def _cuts(text: str) -> list[int]:
    """Offsets where one sentence ends and the next may begin."""
    cuts: list[int] = []
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        if ch in _LINE_BREAKS:
            cuts.append(i)
            i += 1
            continue
        if ch not in _FINAL and ch not in _SEPARATORS:
            i += 1
            continue
        j = i
        while j < n and (text[j] in _FINAL or text[j] in _SEPARATORS):
            j += 1
        marks = text[i:j]
        while j < n and text[j] in _CLOSERS:
            j += 1
        if _ends_sentence(text, i, marks, j, cuts[-1] if cuts else 0):
            cuts.append(j)
        i = j
    return cuts


def _ends_sentence(text: str, mark: int, marks: str, after: int, piece_start: int) -> bool:
    if any(m in _SEPARATORS for m in marks):
        return True
    if marks == ".":
        # A dot glued to the next character is inside a token: 3.5, U.S.A, x.com.
        if after < len(text) and not text[after].isspace():
            return False
        if _is_abbreviation(text, mark, piece_start):
            return False
    following = _next_visible(text, after)
    # English sentences start with a capital, so lowercase means the sentence
    # goes on: 'she asked "why?" and left', 'approx. three'.
    return not (following.isascii() and following.islower())


def _is_abbreviation(text: str, dot: int, piece_start: int) -> bool:
    k = dot
    while k > piece_start and not text[k - 1].isspace() and text[k - 1] not in "(“«\"'":
        k -= 1
    word = text[k:dot].lower()
    if not word:
        return False
    if word in _ABBREVIATIONS or _DOTTED.fullmatch(word):
        return True
    if len(word) == 1 and word.isalpha():
        return True  # an initial: "J. Smith", "د. أحمد"
    # "1. First item": a short number opening the line is a list marker.
    return word.isdigit() and len(word) <= 2 and not text[piece_start:k].strip()


def _next_visible(text: str, i: int) -> str:
    while i < len(text) and text[i].isspace() and text[i] not in _LINE_BREAKS:
        i += 1
    return text[i] if i < len(text) else ""


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end:
        if not (text[start].isspace() or _is_bullet(text, start, end)):
            break
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _is_bullet(text: str, i: int, end: int) -> bool:
    if text[i] in _BULLETS:
        return True
    # "-" or "*" opens a list item only when a space follows: "-5" is a number.
    return text[i] in _DASH_BULLETS and i + 1 < end and text[i + 1].isspace()


def _split_long(
    text: str, start: int, end: int, min_words: int, max_words: int
) -> list[tuple[int, int]]:
    word_starts = [m.start() for m in _WORD.finditer(text, start, end)]
    total = len(word_starts)
    if total <= max_words:
        return [(start, end)]
    best: tuple[int, int] | None = None  # (imbalance, comma offset)
    for comma in _comma_candidates(text, start, end):
        left = bisect_left(word_starts, comma + 1)
        right = total - left
        if left >= min_words and right >= min_words:
            imbalance = abs(left - right)
            if best is None or imbalance < best[0]:
                best = (imbalance, comma)
    if best is None:
        return [(start, end)]
    comma = best[1]
    right_start = comma + 1
    while right_start < end and text[right_start].isspace():
        right_start += 1
    return _split_long(text, start, comma + 1, min_words, max_words) + _split_long(
        text, right_start, end, min_words, max_words
    )


def _comma_candidates(text: str, start: int, end: int) -> list[int]:
    """Commas followed by a space and outside quotations.

    Requiring the space keeps "1,000" whole; skipping quoted commas keeps a
    quotation in one piece.
    """
    candidates = []
    depth = 0
    in_plain_quote = False
    for i in range(start, end - 1):
        ch = text[i]
        if ch in _OPENING_QUOTES:
            depth += 1
        elif ch in _CLOSING_QUOTES:
            depth = max(0, depth - 1)
        elif ch == '"':
            in_plain_quote = not in_plain_quote
        elif ch in _COMMAS and depth == 0 and not in_plain_quote and text[i + 1].isspace():
            candidates.append(i)
    return candidates
