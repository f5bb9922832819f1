"""What counts as a question: the checks and the clean-up applied before retrieval.

Decisions, and why:

* Control characters (Unicode category Cc: NUL, the other C0 codes, DEL, C1)
  are rejected with a 422, except tab, newline and carriage return, which
  pasted text legitimately contains. No question needs them, and NUL in
  particular trips C code and log pipelines.
* Unpaired surrogates (Cs) are rejected: JSON can smuggle "\\ud800" in, and it
  cannot be encoded as UTF-8 for the embedding engine. Pydantic already refuses
  them in a JSON body; the check here covers any other caller.
* Invisible format characters (Cf: zero-width space and joiners, BOM, bidi
  embeddings/overrides/isolates, LRM/RLM/ALM, soft hyphen, tag characters)
  are silently removed. They carry no meaning for retrieval, and bidi
  overrides would let a question display differently from what is searched
  and echoed back ("Trojan Source").
* The length limit (`RAG_MAX_QUESTION_CHARS`) applies to the question as sent,
  so the limit published in the OpenAPI schema is exactly the one enforced.
"""

from __future__ import annotations

import unicodedata

from pydantic_core import PydanticCustomError

_ALLOWED_CONTROLS = frozenset("\t\n\r")


def clean_question(value: str) -> str:
    """Reject control characters, drop invisible format characters, strip whitespace."""
    for char in value:
        category = unicodedata.category(char)
        if category == "Cc" and char not in _ALLOWED_CONTROLS:
            raise PydanticCustomError(
                "question_control_character",
                "contains a control character (U+{code})",
                {"code": f"{ord(char):04X}"},
            )
        if category == "Cs":
            raise PydanticCustomError(
                "question_surrogate", "contains an unpaired surrogate (invalid Unicode)"
            )
    cleaned = "".join(c for c in value if unicodedata.category(c) != "Cf").strip()
    if not cleaned:
        raise PydanticCustomError("question_empty", "is empty or only whitespace")
    return cleaned
