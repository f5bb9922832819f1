"""Step 3, retrieve: from a `Query` and its vectors to scored candidate passages.

The score, and why (figures from `make eval-archive`, hit@1 per direction):

* **Similarity** blends the paragraph vector with its best sentence
  (`rag.index.calibration.SENTENCE_WEIGHT`): a long paragraph often answers
  in one sentence among five, so the sentence counts more in a passage of
  more sentences (`rag.index.calibration.sentence_blend`). On the archive
  this lifted every direction (English to Arabic 0.78 to 0.81, then 0.84 to
  0.85 with the share by length) where, on one short article, it could not.
* **Language.** The similarity is expressed as `z`, spreads above the level an
  unrelated passage of that language reaches for this question
  (`rag.index.calibration`). Raw similarities rank any same-language passage
  above the right one in the other language. Candidates are drawn per
  language, so that a language with fewer passages is never crowded out of
  the pool.
* **Evidence**: the idf-weighted share of the question's words that the
  passage holds, as its own key, a transliterated name or a mutual-nearest
  translation, or one the dictionary confirms (`rag.query.translate`). A
  share, not a BM25 score normalised by the best candidate: that
  normalisation gave same-language passages full lexical credit for common
  words while the other language got none, and cost Arabic to English hit@1
  0.2 to 0.5 in the archive. Its weight is in spread units, so it means the
  same for any model.
* Title and section context in the passage vector, and document-level
  evidence (the best passage of the same article), were measured again on the
  archive and left out: neither moved hit@1 by more than 0.005 once
  sentences and evidence were in (see docs/quality.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rag.index.calibration import (
    Calibration,
    blended_similarity,
    centred_question,
    sample_rows,
)
from rag.index.store import LoadedIndex, SentenceTable
from rag.index.vectors import search as vector_search
from rag.query.analyse import Query
from rag.query.embed import QueryVectors
from rag.query.translate import WordMatch, asked_keys, match_words
from rag.text.dictionary import BilingualDictionary

MODES = ("hybrid", "dense", "lexical")


@dataclass(frozen=True)
class RetrievalConfig:
    mode: str = "hybrid"
    candidates: int = 50  # per language, from the vectors, and again from the evidence
    evidence_weight: float = 6.0  # spreads per unit of evidence
    # Spreads between the best BM25 passage of the question's language and one without its words.
    bm25_weight: float = 8.0


@dataclass(frozen=True)
class Candidate:
    row: int
    score: float  # what the mode ranks by
    similarity: float  # blended paragraph and best-sentence similarity
    sentence: float  # the best sentence's similarity
    z: float  # similarity above an unrelated passage's level, in spreads
    evidence: float  # idf share of the question's words the passage holds, 0..1
    best_sentence: int  # row in the sentence table, -1 when the passage has none
    language: str
    # z for the question less its language's shared part, in the calibration's
    # `centred` tables: what the no-answer decision reads when this candidate is
    # first. None for an index calibrated before those tables.
    decision_z: float | None = None
    # The evidence without the dictionary-confirmed translations (`WordMatch.confirmed`):
    # what the no-answer decision reads. None: the same as `evidence`.
    decision_evidence: float | None = None


@dataclass(frozen=True)
class Retrieval:
    candidates: list[Candidate]  # the k best, best first
    words: list[WordMatch]
    evidence: np.ndarray  # per passage row
    best_by_language: dict[str, int]  # the best candidate row of each language, k or not
    # The question less the words naming this document's title, when the focus
    # step reordered its passages (`rag.query.focus`): (document id, vector).
    focused: tuple[str, np.ndarray] | None = None


class Retriever:
    def __init__(
        self,
        index: LoadedIndex,
        config: RetrievalConfig | None = None,
        dictionary: BilingualDictionary | None = None,
    ) -> None:
        self.index = index
        self.config = config or RetrievalConfig()
        self.dictionary = dictionary
        calibration = index.calibration
        self._level_rows: np.ndarray | None = None
        self._level_vectors: np.ndarray | None = None
        self._level_sentences: SentenceTable | None = None
        if calibration.level_language in index.language_rows:
            self._level_rows = sample_rows(index.language_rows[calibration.level_language])
            self._level_vectors = _vectors(index, self._level_rows)
            self._level_sentences = index.sentences.subset(self._level_rows)

    def retrieve(
        self, query: Query, vectors: QueryVectors, k: int, document: str | None = None
    ) -> Retrieval:
        """The k best passages; with `document`, only among that document's passages."""
        index = self.index
        words = match_words(index, query, vectors, self.dictionary)
        evidence = _evidence(index, words, with_confirmed=True)
        plain = _evidence(index, words) if any(m.confirmed for m in words) else None
        rows = self._candidates(vectors.question, evidence, document)
        if not len(rows):
            return Retrieval([], words, evidence, {})
        # Row 0 the question, row 1 (when the calibration has the tables) the same
        # question less its language's shared part, for the no-answer decision: one
        # product over the candidates and one over the level sample serve both.
        questions = self._questions(query, vectors.question)
        sims = blended_similarity(
            questions, _vectors(index, rows), rows, index.sentences, *index.calibration.blend()
        )
        own_levels = self._own_levels(questions)
        blended, paragraph = sims.blended[0], sims.paragraph[0]
        languages = index.passage_languages[rows]
        z = self._spreads_above_level(query, blended, languages, own_levels[0])
        held = evidence[rows]
        if self.config.mode == "dense":
            scores = paragraph
        elif self.config.mode == "lexical":
            keys = dict.fromkeys(asked_keys(words), 1.0)
            scores = index.lexical.scores_for_terms(keys)[rows]
        else:
            scores = z + self.config.evidence_weight * held
            if self.config.bm25_weight:
                scores = scores + self.config.bm25_weight * _bm25_share(
                    index, query, rows, languages
                )
        ranked = np.lexsort((rows, -scores))
        best_by_language: dict[str, int] = {}
        for i in ranked:
            best_by_language.setdefault(str(languages[i]), int(rows[i]))
        order = ranked[:k]
        decision_z: list[float | None] = [None] * len(order)
        if len(questions) > 1:
            centred = self._spreads_above_level(
                query,
                sims.blended[1][order],
                languages[order],
                own_levels[1],
                index.calibration.centred,
            )
            decision_z = [float(d) for d in centred]
        return Retrieval(
            [
                Candidate(
                    row=int(rows[i]),
                    score=float(scores[i]),
                    similarity=float(blended[i]),
                    sentence=float(sims.sentence[0][i]),
                    z=float(z[i]),
                    evidence=float(held[i]),
                    best_sentence=int(sims.best_sentence[0][i]),
                    language=str(languages[i]),
                    decision_z=d,
                    decision_evidence=None if plain is None else float(plain[rows[i]]),
                )
                for i, d in zip(order, decision_z, strict=True)
            ],
            words,
            evidence,
            best_by_language,
        )

    def spreads(self, query: Query, question: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """z of passage `rows` for another vector of the same question (`rag.query.focus`),
        above the table's level: the question's own level would move every passage of
        one language by the same amount, so they stand in the same order without the
        product over the level sample."""
        sims = blended_similarity(
            np.atleast_2d(question),
            _vectors(self.index, rows),
            rows,
            self.index.sentences,
            *self.index.calibration.blend(),
        )
        languages = self.index.passage_languages[rows]
        return self._spreads_above_level(query, sims.blended[0], languages, None)

    def _questions(self, query: Query, question: np.ndarray) -> np.ndarray:
        """The question, and below it the question less `QUESTION_CENTRING` of its
        language's background mean when the calibration has the centred tables."""
        calibration = self.index.calibration
        mean = calibration.question_mean(query.language)
        if calibration.centred is None or mean is None:
            return np.atleast_2d(question)
        return np.vstack([question, centred_question(question, mean)])

    def _candidates(
        self, question: np.ndarray, evidence: np.ndarray, document: str | None
    ) -> np.ndarray:
        index = self.index
        if document is not None:
            # One article is tens of passages: score them all, exactly.
            scope = index.document_rows.get(document, range(0))
            return np.arange(scope.start, scope.stop, dtype=np.int64)
        pool = self.config.candidates
        found: set[int] = set()
        for rows in index.language_rows.values():
            _, hits = vector_search(index.vectors, question, pool, rows)
            found.update(int(r) for r in hits[0] if r >= 0)
        if evidence.any():
            # The rows holding most of the question's words, without sorting the corpus.
            top = np.argpartition(-evidence, pool - 1)[:pool] if pool < len(evidence) else None
            top = np.flatnonzero(evidence) if top is None else top
            found.update(int(r) for r in top if evidence[r] > 0)
        return np.fromiter(sorted(found), dtype=np.int64, count=len(found))

    def _own_levels(self, questions: np.ndarray) -> list[float | None]:
        """Each question's median similarity over the level language's sample, or None
        each when the index has no such language (the table's level is used)."""
        if self._level_rows is None:
            return [None] * len(questions)
        sample = blended_similarity(
            questions,
            self._level_vectors,
            np.arange(len(self._level_rows)),
            self._level_sentences,
            *self.index.calibration.blend(),
        ).blended
        return [float(np.median(row)) for row in sample]

    def _spreads_above_level(
        self,
        query: Query,
        blended: np.ndarray,
        languages: np.ndarray,
        own_level: float | None,
        calibration: Calibration | None = None,
    ) -> np.ndarray:
        calibration = calibration or self.index.calibration
        z = np.empty(len(blended), dtype=np.float32)
        for language in set(languages):
            mask = languages == language
            level = calibration.level(query.language, language, own_level)
            z[mask] = (blended[mask] - level) / calibration.spread(query.language, language)
        return z


def _vectors(index: LoadedIndex, rows: np.ndarray) -> np.ndarray:
    return index.vectors.reconstruct_batch(np.ascontiguousarray(rows, dtype=np.int64))


def _bm25_share(
    index: LoadedIndex, query: Query, rows: np.ndarray, languages: np.ndarray
) -> np.ndarray:
    """Among passages in the question's language, BM25 over its own words as a share of the
    best, minus one: it reorders that language's passages and lifts no language."""
    own = {w.key: 1.0 for w in query.words if index.lexical.has_term(w.key)}
    out = np.zeros(len(rows), dtype=np.float32)
    mask = languages == query.language
    if not own or not mask.any():
        return out
    raw = index.lexical.scores_for_terms(own)[rows[mask]]
    peak = float(raw.max())
    if peak > 0:
        coverage = len(own) / len(query.words)
        out[mask] = coverage * (raw / peak - 1.0)
    return out


def _evidence(
    index: LoadedIndex, words: list[WordMatch], with_confirmed: bool = False
) -> np.ndarray:
    """Per passage, the idf share of the question's words it holds in any of their forms
    (`with_confirmed`: the dictionary-confirmed translations too, for the ranking)."""
    held = np.zeros(len(index.passages), dtype=np.float32)
    total = sum(match.weight for match in words)
    if not total:
        return held
    for match in words:
        keys = match.keys | match.confirmed if with_confirmed else match.keys
        if keys:
            rows = np.unique(np.concatenate([index.lexical.rows_with(k) for k in keys]))
            held[rows] += match.weight
    return held / total
