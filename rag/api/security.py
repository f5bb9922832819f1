"""Who may call what: client address, rate limit, API key and admin key checks."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader

from rag.api.deps import SettingsDep
from rag.api.models import ErrorOut
from rag.api.ratelimit import RateLimiter, retry_after_header


def client_ip(request: Request, trust_proxy: bool) -> str:
    """The socket peer, or with `trust_proxy` the address our one proxy saw.

    Only the right-most X-Forwarded-For entry is trusted: it is the one our
    proxy appended. Entries to its left come from the client and can be forged.
    """
    if trust_proxy:
        forwarded = request.headers.get("x-forwarded-for", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return request.client.host if request.client else "unknown"


def _same_secret(given: str | None, expected: str) -> bool:
    # Constant-time, so response timing does not leak how much of a guess matched.
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


# auto_error=False: the checks below answer with our own messages, and only when a key is set.
# Distinct scheme names: by default both would be "APIKeyHeader", and the OpenAPI schema
# would keep only one of them (it said /ask wanted X-Admin-Key).
_api_key_header = APIKeyHeader(
    name="X-API-Key",
    scheme_name="ApiKey",
    auto_error=False,
    description="Required on /ask when RAG_API_KEY is set.",
)
_admin_key_header = APIKeyHeader(
    name="X-Admin-Key",
    scheme_name="AdminKey",
    auto_error=False,
    description="RAG_ADMIN_KEY, for /admin endpoints.",
)


def get_limiter(request: Request) -> RateLimiter:
    return request.app.state.limiter


async def enforce_rate_limit(
    request: Request,
    settings: SettingsDep,
    limiter: Annotated[RateLimiter, Depends(get_limiter)],
) -> None:
    """429 with Retry-After once a client exceeds RAG_RATE_LIMIT requests per minute."""
    wait = await limiter.acquire(client_ip(request, settings.trust_proxy))
    if wait is not None:
        raise HTTPException(
            429,
            detail=f"too many requests: the limit is {settings.rate_limit} per minute; "
            f"retry in {retry_after_header(wait)} s",
            headers={"Retry-After": retry_after_header(wait)},
        )


async def require_api_key(
    settings: SettingsDep,
    x_api_key: Annotated[str | None, Security(_api_key_header)],
) -> None:
    """401 unless RAG_API_KEY is unset or header X-API-Key matches it."""
    if settings.api_key and not _same_secret(x_api_key, settings.api_key):
        reason = "is missing" if x_api_key is None else "is wrong"
        raise HTTPException(
            401, detail=f"this server requires an API key: header X-API-Key {reason}"
        )


# The OpenAPI entry for require_admin_key's 403, shared by every route behind it; each
# route words its own 404, which has causes of its own besides a missing RAG_ADMIN_KEY.
ADMIN_KEY_REJECTED = {"model": ErrorOut, "description": "X-Admin-Key missing or wrong"}


async def require_admin_key(
    settings: SettingsDep,
    x_admin_key: Annotated[str | None, Security(_admin_key_header)],
) -> None:
    """403 unless header X-Admin-Key matches RAG_ADMIN_KEY (404 when none is configured)."""
    if not settings.admin_key:
        raise HTTPException(404, detail="Not Found")
    if not _same_secret(x_admin_key, settings.admin_key):
        raise HTTPException(403, detail="header X-Admin-Key is missing or wrong")
