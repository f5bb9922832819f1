"""Shared helpers: percentiles, the machine, and distinct benchmark questions."""

from __future__ import annotations

import os
import platform
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from rag.ingest import load_document
from rag.text.sentences import split_sentences

ARTICLE = Path("seeds/putin-beijing.ar.txt")

ENGLISH_TOPICS = (
    "Putin's visit to Beijing",
    "the Russia China partnership",
    "Western sanctions on Russia",
    "Xi Jinping's need for Russia",
    "the city of Harbin",
    "energy exports to China",
    "the war in Ukraine",
    "the fifth presidential term",
    "the joint statement",
    "trade between Moscow and Beijing",
    "the author of the article",
    "American pressure on China",
    "the agenda of the visit",
    "the meaning of the visit",
    "the alliance that angers the West",
    "Russia's dependence on China",
    "the meeting of the two presidents",
    "the Chinese premier",
    "military cooperation",
    "the multipolar world order",
    "gas pipelines to China",
    "China's position on the war",
    "the Harbin trade fair",
    "the spokesman of the Kremlin",
    "the economic lifeline",
    "the counterweight to America",
    "the researcher who wrote the analysis",
    "the strategic partnership",
    "the international pressure",
    "the coordination between both countries",
    "the message to the world",
    "the visit's timing",
)
ENGLISH_TEMPLATES = (
    "What does the article say about {}?",
    "Why does {} matter?",
    "How is {} described?",
    "What is said about {} in the analysis?",
    "Explain {} briefly.",
    "Who is involved in {}?",
    "What are the risks of {}?",
    "What happened with {}?",
    "What is the background of {}?",
    "How does the author judge {}?",
)
# Appended to English questions to multiply distinct wordings (each changes the embedding).
ENGLISH_QUALIFIERS = (
    "",
    " for Moscow",
    " for Beijing",
    " in 2024",
    " for the West",
    " today",
    " for Europe",
    " this year",
)
# A third of the questions are English, as a mixed-language readership sends:
# they cost more, because retrieval translates their words (rag.index.terms).
ENGLISH_SHARE = 1 / 3


def summary(samples_s: list[float]) -> dict[str, float]:
    """p50/p99/mean in milliseconds of timings given in seconds."""
    if not samples_s:
        return {"n": 0, "p50_ms": float("nan"), "p99_ms": float("nan"), "mean_ms": float("nan")}
    ms = np.asarray(samples_s) * 1000.0
    return {
        "n": len(ms),
        "p50_ms": round(float(np.percentile(ms, 50)), 3),
        "p99_ms": round(float(np.percentile(ms, 99)), 3),
        "mean_ms": round(float(ms.mean()), 3),
    }


def timed(fn: Callable[[int], object], n: int) -> list[float]:
    """Run fn(i) n times; one timing per call, in seconds."""
    out = []
    for i in range(n):
        start = time.perf_counter()
        fn(i)
        out.append(time.perf_counter() - start)
    return out


def machine() -> dict[str, object]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import faiss

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "faiss": getattr(faiss, "__version__", "?"),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
    }


def peak_gflops(seconds: float = 1.5, size: int = 1024) -> float:
    """This CPU's float32 arithmetic peak, as a BLAS matmul reaches it (best run)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size), dtype=np.float32)
    b = rng.standard_normal((size, size), dtype=np.float32)
    a @ b  # warm up the BLAS threads
    best = float("inf")
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best / 1e9


def encoder_gflop(tokens: float, layers: int = 12, hidden: int = 384, ffn: int = 1536) -> float:
    """FLOPs (2 per multiply-add) of one forward pass over `tokens` tokens.

    Per layer and token: Q, K, V and output projections (4*h*h) and the
    feed-forward pair (2*h*ffn); attention scores and mixing add 2*t*h.
    """
    per_layer = tokens * (4 * hidden * hidden + 2 * hidden * ffn) + 2 * tokens * tokens * hidden
    return 2 * layers * per_layer / 1e9


def article_sentences(article: Path = ARTICLE) -> list[str]:
    doc = load_document(article)
    return [p.text[s:e] for p in doc.passages for s, e in split_sentences(p.text)]


def distinct_questions(n: int, seed: int = 0, article: Path = ARTICLE) -> list[str]:
    """`n` distinct, question-like texts of roughly 10-20 tokens, Arabic and English.

    Arabic ones are word windows of the article's sentences; English ones fill
    templates. Distinct texts keep the answer cache out of every timing.
    """
    rng = random.Random(seed)
    arabic: set[str] = set()
    for sentence in article_sentences(article):
        words = sentence.split()
        for length in range(5, 13):
            for start in range(0, max(1, len(words) - length + 1)):
                arabic.add(" ".join(words[start : start + length]) + "؟")
    english = {
        template.format(topic).rstrip("?.") + qualifier + template[-1]
        for template in ENGLISH_TEMPLATES
        for topic in ENGLISH_TOPICS
        for qualifier in ENGLISH_QUALIFIERS
    }
    ar, en = sorted(arabic), sorted(english)
    rng.shuffle(ar)
    rng.shuffle(en)
    n_en = min(len(en), round(n * ENGLISH_SHARE))
    if n_en + len(ar) < n:
        raise ValueError(f"only {n_en + len(ar)} distinct questions can be generated, {n} asked")
    questions = en[:n_en] + ar[: n - n_en]
    rng.shuffle(questions)
    return questions


def is_english(question: str) -> bool:
    return question.isascii()


class QuestionSource:
    """Hands out each question once, across every section of one run.

    A full run takes about 6,300 (HTTP 1,900, lock against batch 1,900, the
    floor 1,100, the question log 1,000, clients 400); 5,500 ran out in the
    last section once the question-log one came in.
    """

    def __init__(self, total: int = 7500) -> None:
        self._questions = distinct_questions(total)
        self._next = 0

    def take(self, n: int) -> list[str]:
        if self._next + n > len(self._questions):
            raise ValueError(
                f"the bench ran out of distinct questions ({self._next} used of "
                f"{len(self._questions)}, {n} more asked): raise QuestionSource's total"
            )
        out = self._questions[self._next : self._next + n]
        self._next += n
        return out

    def __iter__(self) -> Iterator[str]:
        while self._next < len(self._questions):
            self._next += 1
            yield self._questions[self._next - 1]
