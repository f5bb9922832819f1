"""Consonant skeletons: how a name written in Latin letters meets its Arabic spelling.

An English question over an Arabic article names the same people, teams and
places as the article, but in another script: Panthers / بانثرز, Denver /
دنفر, Putin / بوتين. The small embedding model places a rare name near its
transliteration only sometimes (Panthers to بانثرز scored below 40 unrelated
Arabic words in the dev archive's term table), while the consonants survive
transliteration almost always. So both spellings are reduced to a skeleton of
broad consonant classes, vowels and weak letters dropped, and two words match
when their skeletons are equal, or differ by one class in skeletons of four or
more: Harbin (RBN) / خاربين (KRBN).

The classes follow how Arabic writes foreign sounds: p is ب, v is ف, g is ج
or غ, and the many Arabic sibilants and emphatics fold onto s, t and d. The
rule is exact (no similarity, no threshold that a CPU could move), which is
why it decides on its own and the embedding only proposes translations of
common words.
"""

from __future__ import annotations

import re

MIN_SKELETON = 3  # shorter skeletons (two consonants) match far too many words
FUZZY_SKELETON = 4  # from this length one differing class is still the same name

_LATIN_DIGRAPHS = (
    ("sch", "S"),
    ("th", "T"),
    ("sh", "S"),
    ("ch", "K"),
    ("ph", "F"),
    ("kh", "K"),
    ("gh", "J"),
    ("ck", "K"),
    ("qu", "K"),
    ("x", "KS"),
)
_LATIN = dict(zip("bptdszckqgjfvlmnr", "BBTDSSKKKJJFFLMNR", strict=True))
_ARABIC = {
    **dict.fromkeys("بپ", "B"),
    **dict.fromkeys("تثط", "T"),
    **dict.fromkeys("دذضظ", "D"),
    **dict.fromkeys("سزشص", "S"),
    **dict.fromkeys("كقخ", "K"),
    **dict.fromkeys("جغ", "J"),
    **dict.fromkeys("فڤ", "F"),
    "ل": "L",
    "م": "M",
    "ن": "N",
    "ر": "R",
}
_ARABIC_LETTER = re.compile("[\u0600-\u06ff]")
_ARTICLES = ("وال", "بال", "فال", "كال", "لل", "ال")
_REPEATS = re.compile(r"(.)\1+")


def skeleton(word: str) -> str:
    """The consonant classes of `word`, repeats collapsed: "Panthers" and "بانثرز" give BNTRS."""
    text = word.casefold()
    if _ARABIC_LETTER.search(text):
        for article in _ARTICLES:
            if text.startswith(article) and len(text) - len(article) >= 3:
                text = text[len(article) :]
                break
        classes = "".join(_ARABIC.get(char, "") for char in text)
    else:
        for digraph, code in _LATIN_DIGRAPHS:
            text = text.replace(digraph, f"\0{code}\0")
        classes = "".join(
            part if part.isupper() else "".join(_LATIN.get(char, "") for char in part)
            for part in text.split("\0")
        )
    return _REPEATS.sub(r"\1", classes)


def skeleton_variants(word: str) -> set[str]:
    """The skeletons a word may be written with: an English plural is also tried without -s."""
    base = skeleton(word)
    variants = {base}
    if not _ARABIC_LETTER.search(word) and word.casefold().endswith("s") and base.endswith("S"):
        variants.add(base[:-1])
    return {v for v in variants if len(v) >= MIN_SKELETON}


def near_skeletons(a: str, b: str) -> bool:
    """Equal, or one class apart: substituted (both long), or added to a shorter one."""
    if a == b:
        return True
    if len(a) == len(b):
        return len(a) >= FUZZY_SKELETON and sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    if len(long) - len(short) != 1 or len(long) < FUZZY_SKELETON:
        return False
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def lookup_keys(skel: str) -> set[str]:
    """Keys under which a skeleton is filed and probed: itself and, when long, its deletions.

    Two skeletons one class apart always share one of these keys (a deletion of
    one equals the other, or both lose the differing class), so a table filed
    by them finds every near match in a few probes; `near_skeletons` then
    confirms each candidate.
    """
    keys = {skel}
    if len(skel) >= FUZZY_SKELETON:
        keys.update(skel[:i] + skel[i + 1 :] for i in range(len(skel)))
    return keys
