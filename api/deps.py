"""Dependencies: one session per request (commit on success, rollback on error; routes that only
read take one in autocommit), shared clients."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from rapport.settings import Settings


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    # In turn (rapport.db.session.Turns): requests get their connection in the order they came.
    async with request.app.state.turns.turn(), request.app.state.sessions() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


async def get_read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A session for routes that only read: autocommit, no BEGIN or COMMIT round trips."""
    async with request.app.state.turns.turn(), request.app.state.read_sessions() as session:
        yield session


# The shared clients are handed out by `async def` dependencies: FastAPI runs a plain `def`
# one in its thread pool, a thread hand-off per request that the read benchmark's profile
# showed as one of the largest costs of a request.
async def get_temporal(request: Request) -> Client:
    client: Client = request.app.state.temporal
    return client


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SessionDep = Annotated[AsyncSession, Depends(get_session)]
ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session)]
TemporalDep = Annotated[Client, Depends(get_temporal)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def id_or_404(value: str, what: str) -> uuid.UUID:
    """A path id; one that is not even a UUID is as unknown as one that does not exist."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"{what} not found") from None


def cursor_or_422(value: str | None) -> uuid.UUID | None:
    """A page's `cursor` (the id of the last row shown), or 422 naming the field."""
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise HTTPException(422, [{"field": "cursor", "message": "not a cursor"}]) from None
