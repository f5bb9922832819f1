"""Step 5, present: the highlight of each passage, the citations, the answer.

The highlight is the sentence of a passage that holds the answer. Each
sentence scores its similarity to the question (in spreads, with the part that
every question of its language shares taken out, and over a passage in the
other language the language direction, `across_languages`), plus the share of the
question's words it holds (leaving out the article title's words,
`telling_words`; a translated word in any of its dictionary senses), plus a
bonus when it holds what the question asks for: a date for "when / متى", a
number for "how many / كم", a name for "who" (`rag.query.analyse.answer_kind`).
The best piece grows into its whole sentence, and a highlight under about two
lines grows by the better-scoring neighbouring sentence, as does a neighbour
the scores cannot tell from the best. Measured against the annotated answer
spans of the dev archive (`make eval-archive`, "highlight holds the answer"),
see docs/quality.md for the figures.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

from rag.documents import Document, Passage
from rag.index.calibration import Calibration, centred_question, without_language
from rag.index.store import LoadedIndex
from rag.query.analyse import Query
from rag.query.decide import Decision
from rag.query.embed import QueryVectors
from rag.query.focus import held_share, subject_keys, telling_words
from rag.query.metadata import metadata_hit
from rag.query.retrieve import Candidate, Retrieval
from rag.query.translate import WordMatch
from rag.responses import Answer, Citation, PassageHit
from rag.text.arabic import normalize
from rag.text.sentences import continues_sentence

# In spreads of sentence similarity, like the ranking.
HIGHLIGHT_EVIDENCE_WEIGHT = 6.0
ANSWER_KIND_WEIGHT = 2.0
# In the article the focus step reordered (`rag.query.focus`), a sentence's
# similarity is to the question halfway to the one less the article's subject:
# the subject's words draw the highlight to the sentence that names it, as they
# drew the ranking to the opening paragraph. On the dev archive, at an equal
# highlight length (36.2 words): highlight right 0.858 -> 0.870 (ar -> ar 0.867
# -> 0.886, every other direction unchanged), answer sentence 0.764 -> 0.775;
# the focused question alone (share 1) gave 0.867, with ar -> en 0.824 -> 0.814.
HIGHLIGHT_FOCUS_SHARE = 0.5
HIGHLIGHT_MAX_WORDS = 60
# A highlight shorter than this grows by the better-scoring neighbouring sentence:
# one short sentence ("He was born there.") rarely holds the answer with what it
# refers to. About two lines of the widget.
HIGHLIGHT_MIN_WORDS = 20
# A neighbouring sentence this close to the best (in spreads) joins it too: the
# scores cannot tell the two apart.
HIGHLIGHT_MARGIN = 1.0

_YEAR = re.compile(r"(?<!\d)(?:1\d{3}|20\d{2})(?!\d)")
_MONTHS = re.compile(
    r"\b(?:january|february|march|april|may|june|july|august|september|october|november|"
    r"december|century|centuries)\b|(?:يناير|فبراير|مارس|ابريل|مايو|يونيو|يوليو|اغسطس|سبتمبر|"
    r"اكتوبر|نوفمبر|ديسمبر|كانون|شباط|اذار|نيسان|ايار|حزيران|تموز|ايلول|تشرين|القرن|قرن)"
)
_DIGIT = re.compile(r"\d")
_NUMBER_WORDS = re.compile(
    r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|"
    r"fifty|hundred|thousand|million|billion|dozen)s?\b"
    # Arabic number words, whole words with an optional conjunction or preposition
    # in front and a feminine or dual/plural ending (normalised: ة is ه).
    r"|(?<![\u0621-\u064a])[وبل]?(?:واحد|اثن|ثلاث|اربع|خمس|ست|سبع|ثماني|تسع|عشر|مائ|مئ|الف|"
    r"الاف|مليون|ملايين|مليار)(?:ه|ان|ين|ون|ات)?(?![\u0621-\u064a])"
)
# A capitalised word that does not open the sentence: a name, in Latin script.
_LATIN_NAME = re.compile(r"(?<=[a-z,;:)] )[A-Z][a-z]+")


def holds_kind(kind: str | None, text: str) -> bool:
    """Whether `text` holds the kind of answer a question asks for."""
    if kind is None:
        return False
    folded = normalize(text)
    if kind == "date":
        return bool(_YEAR.search(folded) or _MONTHS.search(folded))
    if kind == "number":
        return bool(_DIGIT.search(folded) or _NUMBER_WORDS.search(folded))
    return bool(_LATIN_NAME.search(text))


def citation_for(doc: Document, passage: Passage) -> Citation:
    return Citation(
        id=passage.id,
        document=doc.id,
        title=doc.title.text if doc.title else None,
        author=doc.author.text if doc.author else None,
        section=passage.section,
        paragraph=passage.paragraph,
        start=passage.start,
        end=passage.end,
        url=f"/documents/{doc.id}#p{passage.paragraph}",
        published=doc.published,
    )


def sentence_similarities(
    question: np.ndarray,
    sentence_vectors: np.ndarray,
    spread: float,
    question_mean: np.ndarray | None,
) -> np.ndarray:
    """Each sentence's similarity to the question, in spreads, with the part that every
    question of its language shares (`question_mean`, when recorded) taken out."""
    # That shared part favours the sentences that resemble any question (an
    # article's opening definition, a sentence in the question's own language)
    # over the one that answers this one. On the dev archive, at an equal
    # highlight length (36.4 words): highlight 0.838 -> 0.847 (ar -> en 0.765 ->
    # 0.833, en -> ar 0.814 -> 0.827, en -> en 0.875 -> 0.904, ar -> ar 0.850 ->
    # 0.849); a share of 0.5 gave 0.842 and 1.0 0.842. The ranking keeps the
    # question as it is: centred there too, hit@1 fell (0.882 -> 0.878 at 0.5,
    # 0.870 at 0.75).
    if question_mean is not None:
        question = centred_question(question, question_mean)
    return (np.asarray(sentence_vectors, dtype=np.float32) @ question) / spread


def highlight_of(
    index: LoadedIndex,
    query: Query,
    vectors: QueryVectors,
    words: list[WordMatch],
    candidate: Candidate,
    focused: tuple[str, np.ndarray] | None = None,
) -> str:
    """The passage's sentence that best answers: similarity, words held, answer kind;
    in the `focused` document, similarity to a question partway to the focused one."""
    passage = index.passages[candidate.row]
    table = index.sentences
    rows = table.rows_of(candidate.row)
    if not len(rows):
        return passage.text
    source = index.documents[passage.document].source
    starts = [int(table.starts[r]) for r in rows]
    ends = [int(table.ends[r]) for r in rows]
    texts = [source[s:e] for s, e in zip(starts, ends, strict=True)]
    calibration = index.calibration
    question = vectors.question
    if focused is not None and focused[0] == passage.document:
        question = toward(question, focused[1], HIGHLIGHT_FOCUS_SHARE)
    question = across_languages(question, calibration, query.language, candidate.language)
    scores = sentence_similarities(
        question,
        table.vectors[rows.start : rows.stop],
        calibration.spread(query.language, candidate.language),
        calibration.question_mean(query.language),
    )
    telling = telling_words(words, subject_keys(index.documents[passage.document]))
    # Within one passage a word's every dictionary sense may count (`WordMatch.senses`).
    telling = [replace(w, keys=w.keys | w.senses) for w in telling]
    for i, text in enumerate(texts):
        scores[i] += HIGHLIGHT_EVIDENCE_WEIGHT * held_share(telling, text)
        scores[i] += ANSWER_KIND_WEIGHT * holds_kind(query.wants, text)
    lo, hi = highlight_span(
        source,
        starts,
        ends,
        scores,
        int(np.argmax(scores)),
        min_words=HIGHLIGHT_MIN_WORDS,
        margin=HIGHLIGHT_MARGIN,
    )
    return source[starts[lo] : ends[hi]]


def across_languages(
    question: np.ndarray, calibration: Calibration, asked: str, passage: str
) -> np.ndarray:
    """For a passage in another language than the question's, the question without the
    language direction (`rag.index.calibration.without_language`); as it is otherwise."""
    # Between one passage's sentences, that direction favours those most like the
    # question's language: in an Arabic paragraph, the two sentences that hold the
    # Latin "Panthers" gained 0.7 and 0.8 spreads from it for an English question,
    # the others 1.0 to 1.6, once it was taken out. On the dev archive: highlight
    # right 0.877 -> 0.880 (ar -> en 0.825 -> 0.845, en -> ar 0.845 -> 0.852; four
    # gained, none lost), answer sentence 0.795 -> 0.798, the seed article unchanged.
    # A question in a third language reads the table's English row, as an English
    # passage does: the two means are then one, and there is no direction to remove.
    own_mean, other_mean = calibration.question_mean(asked), calibration.question_mean(passage)
    if own_mean is None or other_mean is None:
        return question
    return without_language(question, own_mean, other_mean)


def toward(question: np.ndarray, focused: np.ndarray, share: float) -> np.ndarray:
    """The unit vector `share` of the way from `question` to `focused`."""
    mixed = (1.0 - share) * question + share * focused
    return mixed / np.linalg.norm(mixed)


def highlight_span(
    source: str,
    starts: list[int],
    ends: list[int],
    scores: np.ndarray,
    best: int,
    min_words: int = HIGHLIGHT_MIN_WORDS,
    max_words: int = HIGHLIGHT_MAX_WORDS,
    margin: float = HIGHLIGHT_MARGIN,
) -> tuple[int, int]:
    """The pieces `lo..hi` to show: the best piece's sentence, then whole neighbouring
    sentences, the better-scoring first, while the highlight is under `min_words`
    or the neighbour scores within `margin` of the best; never past `max_words`."""
    words = piece_words(source, starts, ends)
    lo, hi = sentence_around(source, starts, ends, scores, best, max_words, words)
    while True:
        options = []
        for j in (lo - 1, hi + 1):
            if 0 <= j < len(starts):
                a, b = sentence_around(source, starts, ends, scores, j, max_words, words)
                options.append((float(scores[j]), -j, min(a, lo), max(b, hi)))
        if not options:
            return lo, hi
        score, _, a, b = max(options)
        held = sum(words[lo : hi + 1])
        if sum(words[a : b + 1]) > max_words or (
            held >= min_words and scores[best] - score > margin
        ):
            return lo, hi
        lo, hi = a, b


def piece_words(source: str, starts: list[int], ends: list[int]) -> list[int]:
    return [len(source[s:e].split()) for s, e in zip(starts, ends, strict=True)]


def sentence_around(
    source: str,
    starts: list[int],
    ends: list[int],
    scores: np.ndarray,
    best: int,
    max_words: int = HIGHLIGHT_MAX_WORDS,
    words: list[int] | None = None,
) -> tuple[int, int]:
    """The pieces `lo..hi` to show: `best` grown into the pieces of its sentence
    (`rag.text.sentences.continues_sentence`), the better-scoring neighbour first.
    `words` (each piece's word count) saves recounting when the caller has it."""
    words = words or piece_words(source, starts, ends)

    def joined(left: int) -> bool:
        return continues_sentence(source, ends[left], starts[left + 1])

    lo = hi = best
    held = words[best]
    while True:
        options = []
        if lo > 0 and joined(lo - 1):
            options.append(lo - 1)
        if hi + 1 < len(starts) and joined(hi):
            options.append(hi + 1)
        options = [j for j in options if held + words[j] <= max_words]
        if not options:
            return lo, hi
        j = max(options, key=lambda j: (scores[j], -j))
        held += words[j]
        lo, hi = min(lo, j), max(hi, j)


def present(
    index: LoadedIndex,
    query: Query,
    vectors: QueryVectors,
    retrieval: Retrieval,
    decision: Decision,
    top_k: int,
) -> tuple[Answer | None, list[PassageHit]]:
    """The answer (or None) and the ranked passages, as the API shows them."""
    candidates = retrieval.candidates
    if decision.metadata_document is not None:
        meta = metadata_hit(index.documents[decision.metadata_document], decision.intent or "")
        if meta is not None:
            rest = _hits(index, query, vectors, retrieval, candidates[: top_k - 1], first_rank=2)
            return Answer(text=meta.highlight, citations=[1]), [meta, *rest]
    passages = _hits(index, query, vectors, retrieval, candidates[:top_k])
    if not decision.answered or not passages:
        return None, passages
    return Answer(text=passages[0].highlight, citations=[1]), passages


def _hits(
    index: LoadedIndex,
    query: Query,
    vectors: QueryVectors,
    retrieval: Retrieval,
    candidates: list[Candidate],
    first_rank: int = 1,
) -> list[PassageHit]:
    out = []
    for rank, candidate in enumerate(candidates, start=first_rank):
        passage = index.passages[candidate.row]
        doc = index.documents[passage.document]
        out.append(
            PassageHit(
                rank=rank,
                score=round(candidate.score, 4),
                text=passage.text,
                highlight=highlight_of(
                    index, query, vectors, retrieval.words, candidate, retrieval.focused
                ),
                citation=citation_for(doc, passage),
            )
        )
    return out
