"""Part of retrieve: every question word, with the corpus terms that count as it in each language.

In a bilingual archive every question word is looked for in every language,
not only when the corpus lacks it (it never does, once both languages are in):

* its own match key, for passages in its language, and for an Arabic verb
  its other gender's forms (`rag.text.arabic.agreement_forms`: تحد, يحد);
* names, by consonant skeleton (`rag.text.transliterate`): Panthers ->
  بانثرز. A Latin word qualifies when capitalised, an Arabic word always,
  against the capitalised Latin terms. A skeleton is lossy and often matches
  common words too (Victoria: فيكتوريا, but also اختار, "he chose"), so of
  the terms it matches only the one the embedding puts nearest the word
  counts: a rank among a few candidates, no similarity threshold;
* other words, by embedding, kept only for mutual nearest neighbours: of the
  word's three nearest terms of the other language, the nearest that has no
  term of the word's own language nearer to it than the word. The rule
  compares two similarities of the same term, so it holds whatever the
  model's scale and however a CPU rounds the third decimal, unlike the fixed
  floors (0.87 across scripts, 0.94 within one) it replaces;
* a number (digits only) is written alike in both languages and matches by
  its own key; it is neither translated nor a translation. As a candidate it
  stood nearest many words for numbers and dates: عام (year) found 2018 in
  34 archive questions, سنة 1977 in 23. Dev archive: ar -> en hit@1 0.875 ->
  0.885, en -> ar highlight 0.842 -> 0.845, nothing lost, the seed article
  unchanged. Numbers still compete in the mutual test's look back, as any
  term does: left out there too, "fourth" found اربع (four) where ربع
  (quarter) had passed, and en -> ar lost two questions (0.873 -> 0.866);
* a word the embedding finds no translation for, by a bilingual dictionary
  (`rag.text.dictionary`) when the service has one: its single-word
  translations that the corpus holds. A word the embedding did translate
  keeps its dictionary translations apart (`WordMatch.senses`), for the
  highlight alone: between one passage's sentences a wrong sense seldom
  occurs, while between paragraphs it does: counted in the ranking's
  evidence too, they cost the seed article three English questions at
  hit@1 (0.816 -> 0.789), and the archive's ar -> ar answers (0.980 ->
  0.979). On the dev archive: highlight right 0.872 -> 0.876 (en -> ar
  0.826 -> 0.842, ar -> en 0.816 -> 0.825), answer sentence 0.790 -> 0.794;
  ranking and answers the same, the seed article unchanged.
* when the dictionary does not list the embedding's translation but lists
  a later candidate that passes the mutual test too, the two sources agree
  on that one, and it counts for the ranking (`WordMatch.confirmed`):
  "talks" translates as مناقشة (discussion), and المحادثات, the next
  candidate, is the dictionary's; "Islands" as آيسلندا (Iceland), then جزر.
  Not in the no-answer decision's evidence: counted there, an absent topic
  found more of its words (Brookhaven's "known": معروف) and null fell
  0.764 -> 0.755. Not when the dictionary lists the first candidate too:
  "areas" (مناطق) then also counted منطقة, whose key is منطق's (logic),
  and en -> ar lost an answer. Dev archive: hit@1 ar -> en 0.885 -> 0.894,
  en -> ar 0.873 -> 0.879 (four up, one down), en -> ar answered 0.984 ->
  0.981 (a question answered from the wrong passage now refused), null
  unchanged; seed article hit@3 0.947 -> 0.961, MRR@5 0.877 -> 0.883.

Each word weighs its idf (a word found only in translation, its commonest
translation's): a word the corpus lacks in every form weighs most,
since a question about something the archive does not hold is the one whose
rarest words find nothing (`rag.query.decide`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rag.index.store import LoadedIndex
from rag.index.terms import TermTable
from rag.query.analyse import Query, Word
from rag.query.embed import QueryVectors
from rag.text.arabic import agreement_forms
from rag.text.dictionary import BilingualDictionary

# How far down its nearest terms a word looks for its translation. The nearest
# often has a nearer word of its own ("ball" is nearest المال, "money"), and
# the translation is the next (كرة). Only the first that passes counts unless the
# dictionary confirms a later one: taking every one that passes added noise (Xi:
# سنه) and cost the seed article two English questions at hit@1.
TRANSLATION_CANDIDATES = 3


@dataclass(frozen=True)
class WordMatch:
    word: Word
    weight: float  # idf of the word: how much of the question it carries
    keys: frozenset[str]  # lexical keys that count as this word, in any language
    # Its other dictionary translations the corpus holds, for the highlight only.
    senses: frozenset[str] = frozenset()
    # Later mutual-nearest candidates the dictionary lists where it lists none of
    # `keys`: keys for the ranking, not for the no-answer decision.
    confirmed: frozenset[str] = frozenset()


def asked_keys(words: list[WordMatch]) -> set[str]:
    """Every key the question's words count as, in any language."""
    return {key for match in words for key in match.keys}


def match_words(
    index: LoadedIndex,
    query: Query,
    vectors: QueryVectors,
    dictionary: BilingualDictionary | None = None,
) -> list[WordMatch]:
    lexical, terms = index.lexical, index.terms
    found: dict[str, set[str]] = {w.surface: set() for w in query.words}
    senses: dict[str, set[str]] = {w.surface: set() for w in query.words}
    confirmed: dict[str, set[str]] = {w.surface: set() for w in query.words}
    for word in query.words:
        if lexical.has_term(word.key):
            found[word.surface].add(word.key)
        if word.language == "ar":
            found[word.surface].update(f for f in agreement_forms(word.key) if lexical.has_term(f))
    for language in index.languages:
        foreign = [
            w
            for w in query.words
            if w.language != language and w.surface in vectors.words and not w.key.isdigit()
        ]
        if not foreign:
            continue
        for word in foreign:
            if word.language != "ar" and not word.surface[:1].isupper():
                continue
            rows = terms.transliterations(word.surface, language)
            if rows:
                found[word.surface].add(
                    terms.keys[_closest(terms, rows, vectors.words[word.surface])]
                )
        # Every candidate that passes, nearest first; the first is the translation.
        embedded: dict[str, list[str]] = {}
        for word, key in _mutual_translations(index, foreign, vectors, language):
            embedded.setdefault(word.surface, []).append(key)
        for surface, (first, *_) in embedded.items():
            found[surface].add(first)
        if dictionary:
            for word in foreign:
                held = {
                    key
                    for key in dictionary.translations(word.key, word.language, language)
                    if lexical.has_term(key)
                }
                senses[word.surface].update(held)
                passed = embedded.get(word.surface)
                if passed is None:
                    # A back-off, for the words the embedding found no translation for.
                    found[word.surface].update(held)
                elif not found[word.surface] & held:
                    confirmed[word.surface].update(held.intersection(passed[1:]))
    return [
        WordMatch(
            w,
            _weight(index, w, found[w.surface]),
            frozenset(found[w.surface]),
            frozenset(senses[w.surface] - found[w.surface]),
            frozenset(confirmed[w.surface] - found[w.surface]),
        )
        for w in query.words
    ]


def _closest(terms: TermTable, rows: list[int], vector: np.ndarray) -> int:
    """Of the terms a skeleton matches, the one the embedding puts nearest the word."""
    if len(rows) == 1:
        return rows[0]
    sims = np.vstack([terms.vector(r) for r in rows]) @ vector
    return rows[int(np.argmax(sims))]


def _weight(index: LoadedIndex, word: Word, keys: set[str]) -> float:
    """The word's idf; for a word the corpus holds only in translation, its commonest
    translation's (so that "Beijing" weighs what بكين does in an Arabic question)."""
    lexical = index.lexical
    if lexical.has_term(word.key) or not keys:
        return lexical.idf_of(word.key)
    return min(lexical.idf_of(key) for key in keys)


def _mutual_translations(
    index: LoadedIndex, words: list[Word], vectors: QueryVectors, language: str
) -> list[tuple[Word, str]]:
    """(word, key of a translation into `language`), nearest first: each of the word's
    `TRANSLATION_CANDIDATES` nearest terms in `language` whose own nearest neighbour in
    the word's language is the word (no term of that language is nearer to it). The
    first is the word's translation; a later one counts only when the dictionary
    confirms it (`match_words`)."""
    terms = index.terms
    queries = np.vstack([vectors.words[w.surface] for w in words])
    rows = terms.nearest_to_words(
        [w.surface for w in words], queries, language, TRANSLATION_CANDIDATES
    )
    out = []
    for source in {w.language for w in words}:
        picked = [
            (i, int(row))
            for i, w in enumerate(words)
            if w.language == source
            for row in rows[i]
            if row >= 0 and not terms.keys[int(row)].isdigit()  # a number translates nothing
        ]
        if not picked:
            continue
        targets = np.vstack([terms.vector(row) for _, row in picked])
        # Back from each term: is any term of the word's own language nearer to it?
        back_sims, back_rows = terms.nearest_to_terms([row for _, row in picked], source)
        for (i, row), target, back_sim, back_row in zip(
            picked, targets, back_sims, back_rows, strict=True
        ):
            word = words[i]
            own = back_row >= 0 and terms.keys[int(back_row)] == word.key
            if own or back_row < 0 or float(queries[i] @ target) >= float(back_sim):
                out.append((word, terms.keys[row]))
    return out
