"""Arabic/English text analysis for matching: normalisation, light stemming, tokens.

Everything here produces *match keys*. Nothing it returns is ever shown to a
user; quoted text and citation offsets always come from the verbatim source.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Per-word analysis caches. Bounded so that a client sending only never-seen
# words cannot grow the server by more than a few tens of MB (3 caches).
_CACHE_WORDS = 1 << 16

# Bump when normalize/light_stem/tokenize change output, so that persisted
# lexical indexes built with the old analyzer are rejected instead of silently
# producing keys that queries can no longer match.
ANALYZER_VERSION = "5"


def _chars(*ranges: tuple[int, int]) -> list[str]:
    return [chr(c) for lo, hi in ranges for c in range(lo, hi + 1)]


_DELETE = _chars(
    (0x0610, 0x061A),  # Quranic honorifics and small signs
    (0x064B, 0x065F),  # tanween, harakat, shadda, sukun, hamza marks
    (0x0670, 0x0670),  # superscript alef
    (0x06D6, 0x06DC),  # Quranic annotation signs
    (0x06DF, 0x06E8),
    (0x06EA, 0x06ED),
    (0x0640, 0x0640),  # tatweel: pure elongation, must vanish, not become a space
    (0x200B, 0x200F),  # zero-width space/joiners, LRM, RLM
    (0x202A, 0x202E),  # bidi embeddings and overrides
    (0x2060, 0x2064),  # word joiner, invisible operators
    (0x2066, 0x2069),  # bidi isolates
    (0xFEFF, 0xFEFF),  # BOM / zero-width no-break space
    (0x061C, 0x061C),  # Arabic letter mark
    (0x00AD, 0x00AD),  # soft hyphen
)

_MAP = {
    # Alef variants are written inconsistently (especially hamza on initial
    # alef), so one bare alef matches all of them.
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ٲ": "ا",
    "ٳ": "ا",
    # Final yaa is often typed as alef maqsura (Egyptian convention) and vice
    # versa; the cost is that على and the name علي collide.
    "ى": "ي",
    "ة": "ه",
    # Hamza on a carrier: informal typing drops the hamza and keeps the bare
    # carrier (مسؤول/مسوول, رئيس/رييس), so mapping to the carrier matches what
    # users actually type. Mapping to a lone ء would not match either spelling.
    "ؤ": "و",
    "ئ": "ي",
    # Persian code points that appear in Arabic text pasted from other sources.
    "ک": "ك",
    "ی": "ي",
    "ۀ": "ه",
    "ە": "ه",
    # Letters for sounds Arabic lacks, in foreign names (الپاراسیتامول beside
    # باراسيتامول, ڤيينا beside فيينا): each folds to the Arabic letter that
    # writers use when they do not have it.
    "پ": "ب",
    "ڤ": "ف",
    "گ": "ك",
    "چ": "ج",
    "ژ": "ز",
    "٫": ".",
    "٬": ",",
    "٪": "%",
}
_MAP.update({chr(0x0660 + d): str(d) for d in range(10)})  # Arabic-Indic digits
_MAP.update({chr(0x06F0 + d): str(d) for d in range(10)})  # Persian digits
# Punctuation that glues to words without a space in Arabic typing.
_MAP.update(dict.fromkeys("،؛؟۔٭«»", " "))

_TABLE = str.maketrans({**dict.fromkeys(_DELETE, None), **_MAP})
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Fold ``text`` to a matching form (lossy; never show the result).

    NFKC, Arabic diacritics/tatweel/invisible characters removed, letter
    variants unified, digits to ASCII, Latin casefolded, whitespace collapsed.
    """
    # NFKC first: it composes alef + combining hamza into أ (then mapped to ا)
    # and unfolds presentation forms and ligatures into plain letters.
    folded = unicodedata.normalize("NFKC", text).translate(_TABLE).casefold()
    return _SPACES.sub(" ", folded).strip()


# Arabic letter runs, other letter runs and digit runs are separate tokens, so
# "الـ75" (after tatweel removal "ال75") yields "ال" + "75".
_TOKEN = re.compile(r"[\u0621-\u064A\u066E-\u06D3\u06FA-\u06FF]+|[^\W\d_\u0600-\u06FF]+|\d+")
_ARABIC_LETTER = re.compile(r"[\u0621-\u064A\u066E-\u06D3\u06FA-\u06FF]")

# Stripping runs in three passes, each repeated while it applies:
#   1. articles and conjunctions (وبالصين -> بالصين -> صين): unambiguous enough
#      to go first;
#   2. enclitics (علاقاتها -> علاقات -> علاق);
#   3. one-letter prepositions (لروس -> روس, كثقل -> ثقل).
# Prepositions go last because ب ك ل also begin many roots: stripping them
# before the suffix would split one word's forms (البلدين -> لدين -> دين, but
# بلد stays), whereas afterwards البلدين, البلدان and بلد all give بلد.
_ARTICLES = ("وال", "فال", "بال", "كال", "لل", "ال")
_CONJUNCTIONS = ("و", "ف")
_PREPOSITIONS = ("ب", "ك", "ل")
# Longest first. "ا" covers accusative tanween (حدثًا -> حدثا -> حدث) whether
# or not the tanween mark was written; "ته"/"تها" undo taa marbuta before a
# pronoun (زيارته -> زيار, like زيارة -> زياره -> زيار).
_SUFFIXES = tuple(
    sorted(
        ("هما", "كما", "تهم", "تها", "ته", "ها", "هم", "هن", "كم", "نا")
        + ("ان", "ات", "ون", "ين", "يه", "ه", "ي", "ا"),
        key=len,
        reverse=True,
    )
)
# Minimum letters left behind. An article leaves 2 (الحب -> حب); anything else
# leaves 3, because shorter remainders are mostly root letters, and 3 keeps
# triliteral roots intact (بحث, كثقل -> ثقل).
_MIN_AFTER_ARTICLE = 2
_MIN_STEM = 3


def _strip_proclitics(word: str) -> str:
    while True:
        for prefix in _ARTICLES:
            if word.startswith(prefix) and len(word) - len(prefix) >= _MIN_AFTER_ARTICLE:
                word = word[len(prefix) :]
                break
        else:
            if word.startswith(_CONJUNCTIONS) and len(word) > _MIN_STEM:
                word = word[1:]
            else:
                return word


def _strip_suffixes(word: str) -> str:
    while True:
        for suffix in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_STEM:
                word = word[: -len(suffix)]
                break
        else:
            return word


def _strip_prepositions(word: str) -> str:
    while word.startswith(_PREPOSITIONS) and len(word) > _MIN_STEM:
        word = word[1:]
    return word


# Imperfect-verb prefixes: تحتاج and يحتاج ("she/he needs") are one verb. Only
# words of 5+ letters lose one, so that 4-letter nouns (تجار، نظام) survive.
_VERB_PREFIXES = ("ي", "ت", "ن")
_MIN_VERB = 5


def _strip_verb_prefix(word: str) -> str:
    if word.startswith(_VERB_PREFIXES) and len(word) >= _MIN_VERB:
        return word[1:]
    return word


_GENDER_PREFIXES = {"ي": "ت", "ت": "ي"}
# Letters a key keeps without its final ت: shorter ones are mostly nouns (بيت, وقت).
_MIN_FEMININE = 4


def agreement_forms(key: str) -> tuple[str, ...]:
    """The key as the same word would read agreeing in gender or number.

    Arabic verbs agree with their subject: يحدها and تحدها are "it borders" said
    of a masculine or a feminine country (Iraq, Lebanon), أقيم and أقيمت "it was
    held". The stemmer keeps the imperfect's prefix on short verbs (`_MIN_VERB`)
    and the perfect's feminine ـت everywhere, since stripping either from every
    key would merge nouns (تمر, يوم; بيت, وقت); a dual keeps its taa marbuta as
    ت too (مدينتان gives مدينت, مدينة gives مدين). So the other form is a match
    form that a question word counts when the corpus holds it
    (`rag.query.translate`), never a key: ي and ت swapped at the start of a key
    of `_MIN_STEM` letters or more, and ت dropped from or added to the end of
    one that keeps `_MIN_FEMININE` letters without it.
    """
    forms = []
    if len(key) >= _MIN_STEM and key[0] in _GENDER_PREFIXES:
        forms.append(_GENDER_PREFIXES[key[0]] + key[1:])
    if key.endswith("ت"):
        if len(key) > _MIN_FEMININE:
            forms.append(key[:-1])
    elif len(key) >= _MIN_FEMININE and _ARABIC_LETTER.match(key):
        forms.append(key + "ت")
    return tuple(forms)


def _stem_arabic(word: str) -> str:
    return _strip_verb_prefix(_strip_prepositions(_strip_suffixes(_strip_proclitics(word))))


def _stem_latin(word: str) -> str:
    # Just enough to conflate plurals and common verb forms; a full Porter
    # stemmer would buy little on short questions over a small corpus.
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif word.endswith(("sses", "ches", "shes", "xes", "zes")) and len(word) > 4:
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        word = word[:-1]
    if word.endswith("ied") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("ing") and len(word) >= 7:
        word = word[:-3]
    elif word.endswith("ed") and len(word) >= 6:
        word = word[:-2]
    # A trailing silent e makes "increase" differ from "increas(ed|ing)".
    if word.endswith("e") and len(word) >= 5:
        word = word[:-1]
    return word


@lru_cache(maxsize=_CACHE_WORDS)
def _stem_normalized(token: str) -> str:
    if token.isdigit():
        return token
    if _ARABIC_LETTER.search(token):
        return _stem_arabic(token)
    return _stem_latin(token)


def light_stem(token: str) -> str:
    """Light-stem one token (Arabic clitics, English inflections).

    Stems are match keys: consistent rather than linguistically correct.
    """
    return _stem_normalized(normalize(token))


# The five lines from فيهم on: prepositions and particles with a pronoun glued on (فيهم,
# لديها, لأنه) and the dual and plural demonstratives and relatives (هذان,
# اللذان), the same closed class as في, لها and هذا. Left out, the stemmer read
# فيهم as ف + يهم ("it concerns"), a content key no passage about the question held.
_ARABIC_STOPWORDS = """
في من إلى الى على عن مع هذا هذه ذلك تلك هؤلاء التي الذي الذين اللذين اللتين اللواتي
هو هي هم هما هن نحن أنا أنت أنتم كان كانت يكون تكون كانوا أن إن أنه إنه أنها إنها
لا لم لن قد ثم أو أم بل لكن حيث كما كل بعض غير عند بين بعد قبل منذ حتى إذا لو ليس
ما ماذا لماذا متى كم هل أين كيف أي أية لمن عما مما فيما بما ذات ذو عدة تم أيضا فقط كلا
إلا سوى نحو لدى خلال ضمن عبر لها له لهم فيه فيها عليه عليها منه منها عنه عنها به بها وهو وهي
يا إذ إذن الآن هنا هناك
فيهم فيهما فيهن منهم منهما منهن عليهم عليهما عليهن عنهم عنهما عنهن
إليه إليها إليهم إليهما إليهن معه معها معهم معهما معهن
لديه لديها لديهم لديهما لدينا عنده عندها عندهم عندهما بينه بينها بينهم بينهما
بهم بهما بهن لهما لهن هذان هاتان هذين هاتين ذاك أولئك اللذان اللتان اللاتي
لأن لأنه لأنها إنما أنهم إنهم أنهما
ماهي ماهو
ال وال بال لل كال فال
"""
# The last line holds proclitics left standing alone when tatweel separates
# them from a number or a quote ("الـ75", "بالـ “الصديق”").

_ENGLISH_STOPWORDS = """
a an the and or but nor of to in on at by for with from as into onto about over
is are was were be been being am it its this that these those there here
what why who whom whose how when where which does do did doing done has have had
not no so than then can could would should will shall may might must
i you he she we they me him her us them my your his our their
also such any all some very just if up out please tell many much
"""

_STOPWORDS = frozenset(normalize(w) for w in (_ARABIC_STOPWORDS + _ENGLISH_STOPWORDS).split())


@lru_cache(maxsize=_CACHE_WORDS)
def _index_key(token: str) -> str:
    """Stem of a normalized token, or "" when the token carries no content."""
    if token in _STOPWORDS or (len(token) == 1 and not token.isdigit()):
        return ""
    # A conjunction or preposition glued to a stopword (ومن, بأن, وهذا) is
    # still a stopword.
    if token[0] in "وفبل" and token[1:] in _STOPWORDS:
        return ""
    return _stem_normalized(token)


@lru_cache(maxsize=_CACHE_WORDS)
def _chunk_keys(chunk: str) -> tuple[str, ...]:
    keys = (_index_key(token) for token in _TOKEN.findall(normalize(chunk)))
    return tuple(key for key in keys if key)


def tokenize(text: str) -> list[str]:
    """Content-word match keys of ``text``, in order, with repetitions (for BM25)."""
    # Analysing whitespace-separated chunks one at a time gives the same keys
    # as normalising the whole text (normalisation never joins across
    # whitespace), and lets a cache skip the costly part for repeated words.
    keys: list[str] = []
    for chunk in text.split():
        keys.extend(_chunk_keys(chunk))
    return keys


# Diacritics and tatweel only: the surface form keeps its spelling otherwise.
_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")


def content_words(text: str) -> list[tuple[str, str]]:
    """(surface word, match key) for each content word of `text`, first occurrences only.

    The surface form is what an embedding model should see (a real word, not a
    stem); the key is what the lexical index stores.
    """
    seen: dict[str, str] = {}
    for chunk in _MARKS.sub("", text).split():
        for token in _TOKEN.findall(chunk):
            key = _index_key(normalize(token))
            if key and key not in seen:
                seen[key] = token
    return [(surface, key) for key, surface in seen.items()]
