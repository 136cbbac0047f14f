"""Liveness and readiness."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, Response, status
from sqlalchemy import text

from api.deps import TemporalDep
from api.schemas import Health
from api.unavailable import RETRY_AFTER

router = APIRouter(tags=["health"])

CHECK_TIMEOUT_SECONDS = 3.0


@router.get("/healthz")
async def healthz(request: Request, response: Response, temporal: TemporalDep) -> Health:
    """200 when PostgreSQL and Temporal both answer, else 503 naming what is down."""
    # Side by side: with both frozen it still answers within one check's timeout.
    database, temporal_state = await asyncio.gather(
        check(database_ok(request)), check(temporal.service_client.check_health())
    )
    healthy = database == "ok" and temporal_state == "ok"
    if not healthy:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        response.headers.update(RETRY_AFTER)
    return Health(
        status="ok" if healthy else "degraded", database=database, temporal=temporal_state
    )


async def database_ok(request: Request) -> bool:
    async with request.app.state.sessions() as session:
        await session.execute(text("select 1"))
    return True


async def check(probe: object) -> str:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            ok = await probe  # type: ignore[misc]
    except Exception as err:
        return f"unavailable: {type(err).__name__}"
    return "ok" if ok else "unavailable"
