"""Step 3c, distinct: a paragraph the archive holds twice is shown once.

An archive holds some paragraphs more than once: a lead repeated as the
standfirst, a story republished with an edit, an article's opening kept in a
short and a long version. The dev archive has 62 such pairs among its 335
passages (most of its Arabic Wikipedia articles open twice). Both copies
answer alike, so they stand side by side in the ranking, and the second
takes the place of a passage that could answer: "متى هاجر جبران خليل جبران
إلى الولايات المتحدة؟" (when did Gibran emigrate to the United States?) showed
the two copies of the Gibran article's opening first and second, and the
paragraph that answers ("في 25 يونيو 1895") third.

A copy is told by its word pairs (consecutive match keys, the shingles of
near-duplicate detection): a candidate is a copy of one ranked above it when
at least `COPY_SHARE` of its own pairs are in that one, so it adds nothing. It
counts words, not similarities, so it holds for any model and CPU. On the dev
archive the smaller of two copies has 0.73 to 1.0 of its pairs in the other
(50 of the 62 pairs 0.9 or more), and of two different paragraphs at most 0.43
within one article and 0.29 across articles.

Measured on the dev archive (`make eval-archive`): of the 1545 answerable
questions, 430 showed one paragraph twice in their first three passages, and
265 now do (the short copy ranked above the long one, which holds more and
stays). hit@1 does not move, since the first passage always stays; hit@3
0.973 -> 0.974 (ar -> ar 0.971 -> 0.972, en -> ar 0.972 -> 0.975): seven
questions' passage moved up a place, and one fell out of the first five,
whose gold label is the dropped copy's own spelling (the kept one holds the
same answer). Dropping either copy of a pair (the share over the smaller of
the two, at 0.6) lost ar -> ar hit@3 0.971 -> 0.967: an edited copy can hold
the one detail asked ("Nederland" in the Netherlands article's opening).
Putting a longer copy in the shorter one's place left 99 lists with a copy
but cost hit@1 0.889 -> 0.883, the labels again naming the shorter copy.

A longer copy ranked below the short one is left out as well when the words
it adds (match keys, translations included) hold none of the question's: it
then adds nothing that was asked. That left 102 of the 1545 lists with a copy
in their first three, hit@3 0.974 -> 0.975 (ar -> ar 0.972 -> 0.973), MRR@5
0.930 -> 0.931, hit@1 unchanged; eight questions' passage moved up, one fell
out of the first five.

Exact pair sets rather than MinHash (datasketch): only the ten candidates of
one question are compared, so there is nothing to approximate: `make bench`
(archive section) measured 1.7 ms a question, 0.09x its embed and retrieve.
"""

from __future__ import annotations

from dataclasses import replace

from rag.index.store import LoadedIndex
from rag.query.retrieve import Candidate, Retrieval
from rag.query.translate import asked_keys
from rag.text.arabic import tokenize

COPY_SHARE = 0.9


def word_pairs(text: str) -> frozenset[tuple[str, str]]:
    """The consecutive match-key pairs of `text`."""
    keys = tokenize(text)
    return frozenset(zip(keys, keys[1:], strict=False))


def is_copy(pairs: frozenset[tuple[str, str]], other: frozenset[tuple[str, str]]) -> bool:
    """Whether a passage with `pairs` adds nothing to `other`: `COPY_SHARE` of them in it."""
    return bool(pairs) and len(pairs & other) >= COPY_SHARE * len(pairs)


def adds_nothing_asked(
    pairs: frozenset[tuple[str, str]], other: frozenset[tuple[str, str]], asked: set[str]
) -> bool:
    """Whether a longer copy of `other` holds no asked key beyond what `other` holds."""
    return is_copy(other, pairs) and not (_keys(pairs) - _keys(other)) & asked


def distinct(index: LoadedIndex, retrieval: Retrieval) -> Retrieval:
    """The retrieval without the candidates that copy one ranked above them."""
    asked = asked_keys(retrieval.words)
    kept: list[Candidate] = []
    seen: list[frozenset[tuple[str, str]]] = []
    for candidate in retrieval.candidates:
        pairs = word_pairs(index.passages[candidate.row].text)
        if any(is_copy(pairs, other) or adds_nothing_asked(pairs, other, asked) for other in seen):
            continue
        kept.append(candidate)
        seen.append(pairs)
    if len(kept) == len(retrieval.candidates):
        return retrieval
    return replace(retrieval, candidates=kept)


def _keys(pairs: frozenset[tuple[str, str]]) -> set[str]:
    return {key for pair in pairs for key in pair}
