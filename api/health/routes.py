"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from api.deps import TemporalDep
from api.health import service
from api.health.schemas import Health
from api.unavailable import RETRY_AFTER

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(request: Request, response: Response, temporal: TemporalDep) -> Health:
    """200 when PostgreSQL and Temporal both answer, else 503 naming what is down."""
    health = await service.readiness(request.app.state.sessions, temporal)
    if health.status != "ok":
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        response.headers.update(RETRY_AFTER)
    return health
