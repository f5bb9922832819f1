"""What the log stores: plain values built on the request path, written later."""

from __future__ import annotations

from dataclasses import dataclass

from rag.responses import AskResponse


@dataclass(frozen=True)
class CitationRecord:
    rank: int
    passage: str
    document: str
    in_answer: bool
    score: float


@dataclass(frozen=True)
class AskRecord:
    id: str
    asked_at: float
    question: str
    language: str
    document: str | None
    answered: bool
    generation: str | None
    latency_ms: float
    client: str | None
    citations: tuple[CitationRecord, ...]

    @classmethod
    def of(
        cls,
        response: AskResponse,
        *,
        id: str,
        asked_at: float,
        document: str | None,
        generation: str | None,
        client: str | None,
    ) -> AskRecord:
        cited = set(response.answer.citations) if response.answer else set()
        return cls(
            id=id,
            asked_at=asked_at,
            question=response.question,
            language=response.language,
            document=document,
            answered=response.answer is not None,
            generation=generation,
            latency_ms=response.took_ms,
            client=client,
            citations=tuple(
                CitationRecord(
                    rank=p.rank,
                    passage=p.citation.id,
                    document=p.citation.document,
                    in_answer=p.rank in cited,
                    score=p.score,
                )
                for p in response.passages
            ),
        )


@dataclass(frozen=True)
class FeedbackRecord:
    question_id: str
    client: str
    helpful: bool
    comment: str | None
    voted_at: float
