"""Step 1, analyse: the question gate, then what the rest of the path needs to know.

The gate is the one place a question is checked and cleaned, for the API, `rag
ask` and `rag eval` alike:

* Control characters (Unicode category Cc: NUL, the other C0 codes, DEL, C1)
  are rejected, except tab, newline and carriage return, which pasted text
  legitimately contains. No question needs them, and NUL in particular trips
  C code and log pipelines.
* Unpaired surrogates (Cs) are rejected: JSON can smuggle "\\ud800" in, and it
  cannot be encoded as UTF-8 for the embedding engine.
* Invisible format characters (Cf: zero-width space and joiners, BOM, bidi
  embeddings/overrides/isolates, LRM/RLM/ALM, soft hyphen, tag characters)
  are silently removed. They carry no meaning for retrieval, and bidi
  overrides would let a question display differently from what is searched
  and echoed back ("Trojan Source").
* The length limit applies to the question as sent, so the limit published
  in the OpenAPI schema is exactly the one enforced.

Then `analyse` reads the question once: its language, its content words (the
surface form a model should embed, the key the lexical index stores), the
words that must be translated into the index's other languages, and what kind
of answer it asks for (a date for "when / متى", a number for "how many / كم",
a person for "who / من").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rag.errors import RagError
from rag.text.arabic import content_words, normalize
from rag.text.language import detect_language

_ALLOWED_CONTROLS = frozenset("\t\n\r")


class InvalidQuestionError(RagError):
    """A question the gate refuses; `kind` names the rule, the message completes "question ..."."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"the question {message}")
        self.kind = kind
        self.reason = message


def check_question(value: str, max_chars: int | None = None) -> str:
    """The cleaned question, or InvalidQuestionError saying which rule it breaks."""
    if max_chars is not None and len(value) > max_chars:
        raise InvalidQuestionError("question_too_long", f"is longer than {max_chars} characters")
    for char in value:
        category = unicodedata.category(char)
        if category == "Cc" and char not in _ALLOWED_CONTROLS:
            raise InvalidQuestionError(
                "question_control_character",
                f"contains a control character (U+{ord(char):04X})",
            )
        if category == "Cs":
            raise InvalidQuestionError(
                "question_surrogate", "contains an unpaired surrogate (invalid Unicode)"
            )
    cleaned = "".join(c for c in value if unicodedata.category(c) != "Cf").strip()
    if not cleaned:
        raise InvalidQuestionError("question_empty", "is empty or only whitespace")
    return cleaned


@dataclass(frozen=True)
class Word:
    surface: str  # as written (diacritics dropped): what the embedding model sees
    key: str  # the lexical match key (normalised, stemmed)
    language: str


@dataclass(frozen=True)
class Query:
    text: str
    language: str
    words: tuple[Word, ...]
    # Surfaces to embed with the question, to translate them into the index's
    # other languages; empty when the index holds only the question's language.
    to_translate: tuple[str, ...]
    wants: str | None  # "date", "number", "person", or None


# Question words, matched on the normalised text (alef and yaa variants folded).
# "ما / ماهو / ماهي" (what is), with an optional "هو / هي" and article: the
# opening that the Arabic date and number questions share.
_WHAT_AR = r"(?:ما|ماهو|ماهي) (?:هو |هي )?(?:ال)?"
_WANTS = (
    (
        "date",
        r"^(?:when\b|what (?:year|date|century|decade)s?\b)"
        r"|\b(?:in|by) what years?\b|\bwhich (?:year|century)s?\b",
    ),
    (
        "number",
        r"\bhow (?:many|much|long|far|old|big|large|tall|high)\b"
        r"|\bwhat (?:percentage|percent|proportion|number)\b"
        # "What was the final score", "What is the approximate condenser temperature"
        r"|\bwhat (?:is|was|are|were) (?:the )?(?:[\w'’]+ ){0,2}"
        r"(?:population|score|temperature|speed|rate|percentage|efficiency)\b",
    ),
    ("person", r"^(?:who|whom|whose)\b|\b(?:by whom|who (?:is|was|were|are))\b"),
    (
        "date",
        r"(?:^|\s)(?:متي|(?:في )?اي (?:عام|سنه|تاريخ|قرن|يوم|شهر)"
        rf"|{_WHAT_AR}(?:تاريخ|عام|سنه|سنوات))(?:\s|$)",
    ),
    (
        "number",
        rf"(?:^|\s)(?:كم|بكم|{_WHAT_AR}"
        r"(?:عدد|نسبه|مساحه|طول|عمر|معدل|سرعه|درجه حراره|كفاءه))(?:\s|$)",
    ),
    # "من" opens a who-question, unless it is "from" ("من أين", "من أي").
    ("person", r"^(?:من|ومن)\s+(?!اين|اي\s)"),
)
_WANT_PATTERNS = tuple((kind, re.compile(pattern)) for kind, pattern in _WANTS)


def answer_kind(text: str) -> str | None:
    """What the question asks for: "date", "number", "person", or None."""
    folded = normalize(text).replace("?", " ").strip()
    for kind, pattern in _WANT_PATTERNS:
        if pattern.search(folded):
            return kind
    return None


def analyse(text: str, index_languages: frozenset[str], max_chars: int | None = None) -> Query:
    """Gate the question, then read it once for every later step."""
    cleaned = check_question(text, max_chars)
    language = detect_language(cleaned)
    words = tuple(
        Word(surface, key, detect_language(surface)) for surface, key in content_words(cleaned)
    )
    # A word is translated into every other language the index holds.
    to_translate = tuple(w.surface for w in words if index_languages - {w.language})
    return Query(cleaned, language, words, to_translate, answer_kind(cleaned))
