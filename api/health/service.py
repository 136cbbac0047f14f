"""Probing PostgreSQL and Temporal, each within a bounded wait."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from api.health.schemas import Health
from rapport.db.repositories.base import ping

CHECK_TIMEOUT_SECONDS = 3.0


async def readiness(sessions: async_sessionmaker[AsyncSession], temporal: Client) -> Health:
    """`ok` when both answer, else `degraded` with what did not."""
    # Side by side: with both frozen it still answers within one check's timeout.
    database, temporal_state = await asyncio.gather(
        check(database_ok(sessions)), check(temporal.service_client.check_health())
    )
    healthy = database == "ok" and temporal_state == "ok"
    return Health(
        status="ok" if healthy else "degraded", database=database, temporal=temporal_state
    )


async def database_ok(sessions: async_sessionmaker[AsyncSession]) -> bool:
    async with sessions() as session:
        await ping(session)
    return True


async def check(probe: Awaitable[bool]) -> str:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            ok = await probe
    except Exception as err:
        return f"unavailable: {type(err).__name__}"
    return "ok" if ok else "unavailable"
