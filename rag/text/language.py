"""Script-based language detection: enough to tell Arabic from English."""

from __future__ import annotations

import re

_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")


def detect_language(text: str) -> str:
    """Return "ar" when Arabic letters outnumber Latin ones, else "en".

    Counting letters, not words, keeps a question with one English name
    ("ما موقف NATO؟") Arabic. Text with no letters at all defaults to "en".
    """
    arabic = len(_ARABIC.findall(text))
    latin = len(_LATIN.findall(text))
    return "ar" if arabic > latin else "en"


def text_direction(language: str) -> str:
    return "rtl" if language in {"ar", "fa", "he", "ur"} else "ltr"
