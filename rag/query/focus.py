"""Step 3b, focus: between the paragraphs of the question's article, what it asks decides.

A question names its article's subject ("اين تقع احداث مسلسل صراع العروش ؟",
where is Game of Thrones set?) because it asks about that article. Between the
article's own paragraphs those words tell nothing, yet they weigh on the
question's vector, and the opening paragraph, which names the subject most
densely, outranks the one that answers. So the question less the words that
match its top article's title, in any form (key, transliteration,
translation: `rag.query.translate`), is embedded once more, and that
article's candidates exchange places by their similarity to it, in spreads
like the ranking's (`Retriever.spreads`). Which article comes first, and
every other article's place, stays the whole question's: without the subject
the question no longer says which article it is about.

Measured on the dev archive (`make eval-archive`, figures and what else was
tried in docs/quality.md): hit@1 0.882 -> 0.889 (ar -> ar 0.885
-> 0.895, ar -> en 0.827 -> 0.846, en -> ar 0.854 unchanged, en -> en 0.990
-> 0.981), the seed article unchanged (`make eval`). Applied to every
candidate, not only the top article's, hit@1 fell (0.861): a question less
its subject no longer tells one article from another.

Which article comes first can change once: when the question names none of
the top article's title but all of another candidate's (`named_first`), and
that article's passage holds the question's other words as well as the top
passage does. "ما الدول التي تحد العراق من الغرب؟" (which countries border
Iraq to the west?) found the Saudi Arabia article's opening first, which
names Iraq as a neighbour; the Iraq article answers. Without the words test
the rule lost more than it gained (4 to 6 questions up, 11 to 22 down): a
question also names a country in passing ("في اليابان", in Japan) when it
asks about something else, and that country's article holds nothing else it
asks. With it, on the dev archive: ar -> ar hit@1 0.896 -> 0.8995 (909 ->
913 of 1015: four Iraq and Syria border questions up to rank 1, and one
down from 2 to 3, where the other copy of the Syria article's opening went
first), highlight 0.888 -> 0.890; every other direction and the seed article
unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from rag.documents import Document
from rag.index.store import LoadedIndex
from rag.query.analyse import Query
from rag.query.retrieve import Candidate, Retrieval, Retriever
from rag.query.translate import WordMatch, asked_keys
from rag.text.arabic import tokenize

# The candidates the focus reorders: the service retrieves at least this many,
# so that an article's answering paragraph below the shown top_k can move up.
FOCUS_CANDIDATES = 10
# A question names its article's subject when it holds at least this share of
# the title's keys. An encyclopedia title is a name, and a question about the
# article holds all of it ("Albert Einstein"); a news headline ("Putin in
# Beijing: a strategic partnership facing international challenges") is not a
# name, and a question shares a word or two with it that may be what it asks
# ("countries" and "international" share one Arabic stem, دول). Focused on
# any title word, the seed article's hit@1 fell 0.803 -> 0.789 (one question
# lost, hit@3 0.921 -> 0.934); at a third, a half or two thirds of the title it
# does not move, and the archive's hit@1 is 0.889, 0.889 and 0.887.
NAMED_SHARE = 0.5
# How far below the top a passage of the article the question names may stand
# and still go first (`named_first`).
NAMED_CANDIDATES = 4


def subject_keys(doc: Document) -> frozenset[str]:
    """The match keys of the article's title: what the article is about."""
    return frozenset(tokenize(doc.title.text)) if doc.title else frozenset()


def telling_words(words: list[WordMatch], subject: frozenset[str]) -> list[WordMatch]:
    """The question's words that tell one paragraph or sentence of the article from
    another: those that match none of its title's keys in any form."""
    return [w for w in words if not (w.keys & subject)]


def named_first(
    index: LoadedIndex, words: list[WordMatch], candidates: list[Candidate]
) -> list[Candidate]:
    """The candidates with the named article's passage first, when the question names
    another candidate's article whole and not the top one's; as they were otherwise.

    The named article's passage must hold the question's other words (those that
    do not name its title) at least as well as the top passage does, since a
    question also names a place in passing ("in Japan") when it asks about
    something else.
    """
    top = index.passages[candidates[0].row]
    asked = asked_keys(words)
    if _names(subject_keys(index.documents[top.document]), asked):
        return candidates
    for place in range(1, min(NAMED_CANDIDATES + 1, len(candidates))):
        # A passage of the top article is never named whole here: its title would be.
        passage = index.passages[candidates[place].row]
        named = subject_keys(index.documents[passage.document])
        if not named or not named <= asked:
            continue
        others = telling_words(words, named)
        if held_share(others, passage.text) >= held_share(others, top.text):
            return [candidates[place], *candidates[:place], *candidates[place + 1 :]]
    return candidates


def _names(subject: frozenset[str], asked: set[str]) -> bool:
    """Whether a question whose words count as `asked` names the article of `subject`."""
    return bool(subject) and len(subject & asked) >= NAMED_SHARE * len(subject)


def held_share(words: list[WordMatch], text: str) -> float:
    """The idf share of `words` that `text` holds in any of their forms."""
    total = sum(w.weight for w in words)
    if not total:
        return 0.0
    keys = set(tokenize(text))
    return sum(w.weight for w in words if w.keys & keys) / total


def focused_question(query: Query, words: list[WordMatch], subject: frozenset[str]) -> str | None:
    """The question less its words that name `subject`; None when it names under
    `NAMED_SHARE` of the title's keys, or nothing else (it asks about the subject)."""
    if not _names(subject, asked_keys(words)):
        return None
    if not telling_words(words, subject):
        return None  # it asks about the subject itself
    named = {w.word.key for w in words if w.keys & subject}
    kept = [token for token in query.text.split() if not set(tokenize(token)) & named]
    return " ".join(kept) or None


def focus(
    retriever: Retriever,
    query: Query,
    retrieval: Retrieval,
    embed: Callable[[str], np.ndarray],
) -> Retrieval:
    """The retrieval with its top article's candidates reordered, in the places they
    held, by the focused question (`embed` gives its vector); as it was otherwise."""
    candidates = retrieval.candidates
    if retriever.config.mode != "hybrid" or not candidates:
        return retrieval
    index = retriever.index
    candidates = named_first(index, retrieval.words, candidates)
    if candidates is not retrieval.candidates:
        retrieval = replace(retrieval, candidates=candidates)
    document = index.passages[candidates[0].row].document
    text = focused_question(query, retrieval.words, subject_keys(index.documents[document]))
    places = [i for i, c in enumerate(candidates) if index.passages[c.row].document == document]
    if text is None or len(places) < 2:
        return retrieval
    own = [candidates[i] for i in places]
    rows = np.array([c.row for c in own], dtype=np.int64)
    vector = embed(text)
    focused = retriever.spreads(query, vector, rows)
    # The whole question's similarity gives way to the focused one; the words held
    # and the BM25 share stay, so the score is the ranking's with z replaced.
    scores = [c.score - c.z + float(f) for c, f in zip(own, focused, strict=True)]
    order = sorted(range(len(own)), key=lambda j: (-scores[j], own[j].row))
    reordered = list(candidates)
    for place, j in zip(places, order, strict=True):
        reordered[place] = own[j]
    return replace(retrieval, candidates=reordered, focused=(document, vector))
