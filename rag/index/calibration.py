"""How similar an unrelated passage is, per language pair: fitted from the index, stored in it.

Similarities of multilingual-e5 are compressed and shifted by language. In
the dev archive an Arabic question scores an unrelated Arabic passage about
0.04 higher than an unrelated English one, which is as much as the right
passage stands out; so an answer in the other language lost to any
same-language passage (Arabic to English hit@1 0.13 with raw scores). Such a
shift depends on the model, its build and the archive, so it is measured,
never written down:

* At index time questions about no archive's topic (`rag.index.background`,
  parallel in Arabic and English) are scored against a sample of each
  language's passages. Per question language `a` and passage language `b`,
  `offsets[a][b]` is the median blended similarity of the forty long,
  specific level questions, and `spreads[a][b]` the median absolute deviation
  of the fifty short background questions' similarities: what "unrelated"
  looks like. The gap between the languages' levels depends on how a
  question is asked: fitted from the short questions, it left English
  passages 1.3 spreads too high for a real English question, and English to
  Arabic hit@1 at 0.798 (0.832 with the level questions).
* At question time a passage scores in spread units above that level:
  `z = (similarity - level) / spread`. The level is the question's own median
  over a sample of the largest language's passages, when that language has
  enough documents for the median to be an unrelated passage; the table then
  gives the other languages' level relative to it. With fewer documents (one
  article) the table's level is used as it is.

Measured on the dev archive (z plus term evidence, `make eval-archive`), the
question's own level rather than the table's alone kept English to Arabic
answers at 0.97 instead of 0.79 at the same no-answer rule: real questions
are longer and more specific than the background ones, and score lower
against everything. Every rule downstream is in these units, so no number
fitted on one model, CPU or archive size travels to another.

The calibration also records each question language's mean background
question vector: the part every question of that language shares, whatever
it asks. A share of it (`QUESTION_CENTRING`) is taken out of a question where
that part misleads: picking the highlight sentence, and deciding whether the
archive answers, for which the same tables are fitted again for the centred
questions (`centred`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from rag.embeddings import Embedder
from rag.index.background import BACKGROUND_QUESTIONS, LEVEL_QUESTIONS

if TYPE_CHECKING:
    from rag.index.store import SentenceTable

CALIBRATION_VERSION = 3
# The passage similarity blends the paragraph vector with its best sentence:
# a long paragraph often answers in one sentence among five. A passage of n
# sentence pieces gives its best one SENTENCE_WEIGHT * (1 - 1/n): one vector
# stands for one sentence fully and for each of five only in part. On the dev
# archive overall hit@1 was 0.876 with a fixed 0.25, 0.880 with a fixed 0.4
# (which cost the seed article, of shorter paragraphs, 0.803 -> 0.776), and
# 0.882 with this weight at 0.5 (seed hit@1 unchanged); 0.6 gave 0.877. A
# calibration stores the weight and the rule it was fitted with, so that an
# index built under the fixed share keeps scoring as it was calibrated.
SENTENCE_WEIGHT = 0.5
SENTENCE_RULES = ("pieces", "fixed")  # weight * (1 - 1/n), or the weight itself
# The share of its language's background-question mean taken out of a question
# where the part every question shares misleads: picking a highlight sentence
# (`rag.query.present`) and deciding whether the archive answers
# (`rag.query.decide`). Figures in docs/quality.md.
QUESTION_CENTRING = 0.75
SAMPLE_ROWS = 2048
MIN_LEVEL_DOCUMENTS = 20
BACKGROUND_LANGUAGES = ("en", "ar")
# A spread needs a few passages to vary over; a smaller language borrows the
# spread pooled over every language.
MIN_SPREAD_ROWS = 8

# How many candidates a background question's best passage is chosen from.
FLOOR_CANDIDATES = 50

SimilarityFn = Callable[[np.ndarray, np.ndarray], np.ndarray]
NearestFn = Callable[[np.ndarray, range, int], list[np.ndarray]]


@dataclass(frozen=True)
class Calibration:
    model: str
    offsets: dict[str, dict[str, float]]
    spreads: dict[str, dict[str, float]]
    level_language: str | None
    # Per question and passage language, the best passage of each background
    # question, in spreads above the level, sorted: unrelated questions' tops.
    background_tops: dict[str, dict[str, list[float]]]
    sentence_weight: float = SENTENCE_WEIGHT
    sentence_rule: str = "pieces"
    # Per question language, the mean vector of the background questions: the
    # part every question of that language shares, whatever it asks
    # (`rag.query.present` takes it out when it picks a sentence).
    question_means: dict[str, list[float]] = field(default_factory=dict)
    # The same tables for the questions less `QUESTION_CENTRING` of their
    # language's mean: what the no-answer decision reads (`rag.query.decide`).
    centred: Calibration | None = None

    def to_dict(self) -> dict:
        return {
            "version": CALIBRATION_VERSION,
            "model": self.model,
            "offsets": self.offsets,
            "spreads": self.spreads,
            "level_language": self.level_language,
            "background_tops": self.background_tops,
            "sentence_weight": self.sentence_weight,
            "sentence_rule": self.sentence_rule,
            "question_means": self.question_means,
            "centred": self.centred.to_dict() if self.centred is not None else None,
            "background_questions": len(BACKGROUND_QUESTIONS),
            "level_questions": len(LEVEL_QUESTIONS),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Calibration:
        if data.get("version") != CALIBRATION_VERSION:
            raise ValueError(f"unsupported calibration version {data.get('version')!r}")
        # Calibrations written before the rule was recorded used the fixed share.
        rule = str(data.get("sentence_rule", "fixed"))
        if rule not in SENTENCE_RULES:
            raise ValueError(f"unknown sentence rule {rule!r}, expected one of {SENTENCE_RULES}")
        return cls(
            model=str(data["model"]),
            offsets={
                a: {b: float(v) for b, v in row.items()} for a, row in data["offsets"].items()
            },
            spreads={
                a: {b: float(v) for b, v in row.items()} for a, row in data["spreads"].items()
            },
            level_language=data.get("level_language"),
            background_tops={
                a: {b: [float(v) for v in tops] for b, tops in row.items()}
                for a, row in data["background_tops"].items()
            },
            sentence_weight=float(data["sentence_weight"]),
            sentence_rule=rule,
            # Calibrations written before the means were recorded have none.
            question_means={
                a: [float(v) for v in mean] for a, mean in data.get("question_means", {}).items()
            },
            centred=cls.from_dict(data["centred"]) if data.get("centred") else None,
        )

    def blend(self) -> tuple[float, str]:
        """The sentence weight and rule this calibration was fitted with."""
        return self.sentence_weight, self.sentence_rule

    def question_language(self, language: str) -> str:
        """The table row for a question: its language, or English for any other script."""
        return language if language in self.offsets else "en"

    def level(self, question: str, passages: str, own_level: float | None) -> float:
        """Where an unrelated passage of language `passages` scores for this question.

        `own_level` is the question's median over the level language's sample
        (None when the index has no such language): the table then only gives
        the other languages' distance from it.
        """
        row = self.offsets[self.question_language(question)]
        if own_level is None or self.level_language is None:
            return row[passages]
        return own_level + row[passages] - row[self.level_language]

    def question_mean(self, question: str) -> np.ndarray | None:
        """The background questions' mean vector in the question's language, if recorded."""
        mean = self.question_means.get(self.question_language(question))
        return None if mean is None else np.asarray(mean, dtype=np.float32)

    def spread(self, question: str, passages: str) -> float:
        return self.spreads[self.question_language(question)][passages]

    def floor(self, question: str, passages: str, percentile: float) -> float:
        """Spreads above the level that `percentile` % of background questions' best passages
        stay below: a question whose best passage stands no higher gets no answer."""
        tops = self.background_tops[self.question_language(question)][passages]
        return float(np.percentile(tops, percentile))


def centred_question(questions: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """A question vector (or rows of them) less `QUESTION_CENTRING` of its language's
    background-question mean: the one place the share is applied."""
    return (questions - QUESTION_CENTRING * mean).astype(np.float32)


def without_language(question: np.ndarray, own: np.ndarray, other: np.ndarray) -> np.ndarray:
    """The question less its component along the language direction: its language's
    background-question mean less the other language's (`own`, `other`)."""
    direction = own - other
    norm = float(np.linalg.norm(direction))
    if not norm:
        return question
    direction = direction / norm
    return (question - float(question @ direction) * direction).astype(np.float32)


def sample_rows(rows: range, limit: int = SAMPLE_ROWS) -> np.ndarray:
    """Evenly spaced rows of one language: deterministic, so build and query agree."""
    if len(rows) <= limit:
        return np.arange(rows.start, rows.stop)
    return np.linspace(rows.start, rows.stop - 1, limit).round().astype(np.int64)


@dataclass(frozen=True)
class Similarities:
    """Per query (rows of each array) and passage (columns): how similar they are."""

    blended: np.ndarray
    paragraph: np.ndarray
    sentence: np.ndarray
    best_sentence: np.ndarray  # row in the sentence table, -1 for a passage without one


def blended_similarity(
    queries: np.ndarray,
    vectors: np.ndarray,
    rows: np.ndarray,
    sentences: SentenceTable,
    weight: float = SENTENCE_WEIGHT,
    rule: str = "pieces",
) -> Similarities:
    """How similar each query is to the passages `rows`, whose vectors are `vectors`."""
    dense = np.atleast_2d(queries).astype(np.float32) @ np.asarray(vectors, np.float32).T
    sentence, best = sentences.best(queries, rows, dense)
    blend = sentence_blend(sentences, rows, weight, rule)
    return Similarities((1.0 - blend) * dense + blend * sentence, dense, sentence, best)


def sentence_blend(
    sentences: SentenceTable,
    rows: np.ndarray,
    weight: float = SENTENCE_WEIGHT,
    rule: str = "pieces",
) -> np.ndarray:
    """Per passage row, the share of its best sentence in the blend: `weight * (1 - 1/n)`
    under the "pieces" rule, `weight` under "fixed"."""
    if rule not in SENTENCE_RULES:
        raise ValueError(f"unknown sentence rule {rule!r}, expected one of {SENTENCE_RULES}")
    rows = np.asarray(rows, dtype=np.int64)
    if rule == "fixed":
        return np.full(len(rows), weight, dtype=np.float32)
    pieces = sentences.counts(rows).astype(np.float32)
    return weight * (1.0 - 1.0 / np.maximum(pieces, 1.0))


def fit_calibration(
    embedder: Embedder,
    model: str,
    language_rows: dict[str, range],
    documents_per_language: dict[str, int],
    similarity: SimilarityFn,
    nearest: NearestFn,
    on_total: Callable[[int], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> Calibration:
    """Score the level and background questions against each language's passages.

    `similarity(queries, rows)` gives the blended similarity of each query to
    each row, the same function the retriever scores candidates with;
    `nearest(queries, rows, k)` the k rows of a language range nearest each
    query by paragraph vector, the retriever's candidates. The same questions,
    less `QUESTION_CENTRING` of their language's mean, give the `centred`
    tables that the no-answer decision reads (no second embedding).
    """
    largest = max(documents_per_language, key=documents_per_language.get, default=None)
    level_language = (
        largest
        if largest is not None and documents_per_language[largest] >= MIN_LEVEL_DOCUMENTS
        else None
    )
    if on_total:
        on_total((len(BACKGROUND_QUESTIONS) + len(LEVEL_QUESTIONS)) * len(BACKGROUND_LANGUAGES))
    background: dict[str, np.ndarray] = {}
    level: dict[str, np.ndarray] = {}
    for column, language in enumerate(BACKGROUND_LANGUAGES):
        background[language] = embedder.embed_queries(
            [pair[column] for pair in BACKGROUND_QUESTIONS]
        )
        level[language] = embedder.embed_queries([pair[column] for pair in LEVEL_QUESTIONS])
        if on_progress:
            on_progress(len(background[language]) + len(level[language]))
    means = {language: np.mean(vectors, axis=0) for language, vectors in background.items()}
    fit = functools.partial(
        _fit_tables,
        language_rows=language_rows,
        level_language=level_language,
        similarity=similarity,
        nearest=nearest,
    )

    def centred(vectors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {a: centred_question(v, means[a]) for a, v in vectors.items()}

    offsets, spreads, tops = fit(background, level)
    centred_offsets, centred_spreads, centred_tops = fit(centred(background), centred(level))
    return Calibration(
        model,
        offsets,
        spreads,
        level_language,
        tops,
        question_means={a: [round(float(v), 7) for v in mean] for a, mean in means.items()},
        centred=Calibration(model, centred_offsets, centred_spreads, level_language, centred_tops),
    )


def _fit_tables(
    background: dict[str, np.ndarray],
    level: dict[str, np.ndarray],
    language_rows: dict[str, range],
    level_language: str | None,
    similarity: SimilarityFn,
    nearest: NearestFn,
) -> tuple[dict, dict, dict]:
    """Offsets, spreads and background tops, per question language and passage language."""
    offsets: dict[str, dict[str, float]] = {}
    spreads: dict[str, dict[str, float]] = {}
    background_tops: dict[str, dict[str, list[float]]] = {}
    for language in BACKGROUND_LANGUAGES:
        queries, level_queries = background[language], level[language]
        deviations: dict[str, np.ndarray] = {}
        levels: dict[str, np.ndarray] = {}
        offsets[language] = {}
        for passage_language, rows in language_rows.items():
            sample = sample_rows(rows)
            # The level from questions asked the way readers ask (`LEVEL_QUESTIONS`).
            offsets[language][passage_language] = float(
                np.median(np.median(similarity(level_queries, sample), axis=1))
            )
            scores = similarity(queries, sample)
            levels[passage_language] = np.median(scores, axis=1)
            deviations[passage_language] = np.abs(
                scores - levels[passage_language][:, None]
            ).ravel()
        pooled = float(np.median(np.concatenate(list(deviations.values())))) if deviations else 1.0
        spreads[language] = {
            # The floor only keeps a one-passage index from dividing by zero.
            b: max(
                float(np.median(d)) if len(d) >= MIN_SPREAD_ROWS * len(queries) else pooled, 1e-6
            )
            for b, d in deviations.items()
        }
        background_tops[language] = {}
        for passage_language, rows in language_rows.items():
            # The best passage each background question finds, in spreads above
            # the level, as the question path computes it: what the top passage
            # of a question the archive does not answer looks like.
            if level_language is not None:
                own = levels[level_language]
                expected = own + offsets[language][passage_language]
                expected = expected - offsets[language][level_language]
            else:
                expected = np.full(len(queries), offsets[language][passage_language])
            tops = []
            for q, candidates in enumerate(nearest(queries, rows, FLOOR_CANDIDATES)):
                best = float(similarity(queries[q : q + 1], candidates).max())
                tops.append(float((best - expected[q]) / spreads[language][passage_language]))
            background_tops[language][passage_language] = sorted(tops)
    return offsets, spreads, background_tops
