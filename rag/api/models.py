"""HTTP-only models. The answer shapes themselves live in `rag.responses`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt, StrictStr
from pydantic_core import PydanticCustomError

from rag.query.analyse import InvalidQuestionError, check_question


def clean_question(value: str) -> str:
    """The question gate of `rag.query.analyse`, reporting as a pydantic validation error."""
    try:
        return check_question(value)
    except InvalidQuestionError as exc:
        raise PydanticCustomError(exc.kind, exc.reason) from None


class ErrorOut(BaseModel):
    detail: str = Field(description="What went wrong, in one sentence a user can act on.")


class ValidationIssue(BaseModel):
    loc: list[str | int]
    type: str
    msg: str


class ValidationErrorOut(BaseModel):
    detail: str = Field(description="Every problem with the request, in one sentence.")
    errors: list[ValidationIssue] = Field(description="The same problems, one per field.")


class ReloadOut(BaseModel):
    generation: str = Field(description="The index generation now serving.")
    previous: str | None = Field(description="The generation served before the reload.")
    documents: int
    passages: int


def question_type(max_chars: int) -> Any:
    """The `question` field type, with the limits of this app's settings."""
    return Annotated[
        StrictStr,
        Field(
            min_length=1,
            max_length=max_chars,
            description=f"The question, in Arabic or English (at most {max_chars} characters).",
            examples=["why does China need Russia?", "لماذا تحتاج الصين إلى روسيا؟"],
        ),
        AfterValidator(clean_question),
    ]


def question_query(max_chars: int) -> Any:
    """The `q` query parameter of GET /ask: the same rules as the body's `question`."""
    return Annotated[
        str,
        Query(
            min_length=1,
            max_length=max_chars,
            description=f"The question, URL-encoded (at most {max_chars} characters).",
        ),
        AfterValidator(clean_question),
    ]


DOCUMENT_DESCRIPTION = (
    "Answer only from this document (e.g. the article the reader is on); unknown ids are a 404."
)
DocumentField = Annotated[
    StrictStr | None, Field(None, min_length=1, max_length=200, description=DOCUMENT_DESCRIPTION)
]
DocumentQuery = Annotated[
    str | None, Query(min_length=1, max_length=200, description=DOCUMENT_DESCRIPTION)
]


def top_k_query(max_top_k: int) -> Any:
    return Annotated[
        int, Query(ge=1, le=max_top_k, description=f"How many passages to return (1-{max_top_k}).")
    ]


def _top_k_field(max_top_k: int) -> Any:
    return Field(3, ge=1, le=max_top_k, description=f"How many passages to return (1-{max_top_k}).")


def ask_request_model(max_chars: int, max_top_k: int) -> type[BaseModel]:
    """Build the POST /ask body model, so the published schema states the real limits."""

    class AskRequest(BaseModel):
        # Strict types: `"top_k": "3"` or `true` is a client bug worth a 422, not a guess.
        # Unknown keys are ignored so that newer clients keep working against this server.
        model_config = ConfigDict(extra="ignore")

        question: question_type(max_chars)  # type: ignore[valid-type]
        top_k: StrictInt = _top_k_field(max_top_k)
        document: DocumentField = None

    return AskRequest
