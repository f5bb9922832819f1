"""Request-scoped dependencies. Tests replace `get_service` through `app.dependency_overrides`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from rag.config import Settings
from rag.service import QAService


def get_service(request: Request) -> QAService:
    """The app's QAService."""
    service = getattr(request.app.state, "service", None)
    if service is None:
        # Only reachable between process start and the end of the lifespan startup.
        raise HTTPException(503, detail="the service is starting; retry in a moment")
    return service


def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    return request.app.state.settings


ServiceDep = Annotated[QAService, Depends(get_service)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
