"""Near-duplicate questions, grouped with the embedding model.

Spellings that normalise alike are merged first (free); the distinct texts left
are embedded once, in batches, and grouped greedily, most asked first: a text
joins the first group whose leader it is at least `similarity` close to
(cosine), else it leads a new group. Leaders only, not every member, so a group
cannot drift by chaining; the cost is one matrix product per text.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from rag.cache import normalise_question
from rag.embeddings import Embedder

DEFAULT_SIMILARITY = 0.9
MAX_DISTINCT = 5_000  # the most asked distinct texts are grouped; the rest are one-offs
_BATCH = 64


@dataclass
class Group:
    text: str  # the leader: the most asked spelling
    count: int = 0
    variants: Counter[str] = field(default_factory=Counter)


def _key(text: str) -> str:
    return normalise_question(text).casefold().rstrip("?؟. ")


def group_questions(
    questions: list[str], embedder: Embedder, similarity: float = DEFAULT_SIMILARITY
) -> list[Group]:
    """Groups of near-duplicate questions, most asked first."""
    spellings: dict[str, Counter[str]] = {}
    for question in questions:
        spellings.setdefault(_key(question), Counter())[question] += 1
    # Ties go to the shorter, then the alphabetically first text: the same report every run.
    distinct = sorted(
        spellings.items(), key=lambda item: (-sum(item[1].values()), len(item[0]), item[0])
    )
    distinct = distinct[:MAX_DISTINCT]
    if not distinct:
        return []
    texts = [counter.most_common(1)[0][0] for _, counter in distinct]
    vectors = _embed(embedder, texts)
    groups: list[Group] = []
    leaders = np.zeros((0, vectors.shape[1]), dtype=np.float32)
    for (_, counter), vector in zip(distinct, vectors, strict=True):
        best = int(np.argmax(leaders @ vector)) if len(leaders) else -1
        if best >= 0 and float(leaders[best] @ vector) >= similarity:
            group = groups[best]
        else:
            group = Group(text=counter.most_common(1)[0][0])
            groups.append(group)
            leaders = np.vstack([leaders, vector[None, :]])
        group.count += sum(counter.values())
        group.variants.update(counter)
    groups.sort(key=lambda g: -g.count)
    return groups


def _embed(embedder: Embedder, texts: list[str]) -> np.ndarray:
    parts = [
        np.asarray(embedder.embed_queries(texts[i : i + _BATCH]), dtype=np.float32)
        for i in range(0, len(texts), _BATCH)
    ]
    vectors = np.vstack(parts)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)
