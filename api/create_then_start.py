"""Create a row and start its workflow as one step: the candidate, vacancy and campaign.

The row is flushed (so the unique external id is checked), its workflow started, and only
then is the transaction committed: when Temporal is down the transaction rolls back and
nothing is half-written, and a retry starts afresh. The same external id again, or at the same
moment from another request, answers the existing row, never a second workflow. Also the
input that the two fan-outs (a vacancy's, a campaign's) start with.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from rapport.contracts.fanout import FanOutInput, FanOutState
from rapport.db.models import Base
from rapport.settings import Settings

Row = TypeVar("Row", bound=Base)


async def create_then_start(
    session: AsyncSession,
    *,
    find: Callable[[], Awaitable[Row | None]],
    create: Callable[[], Row],
    start: Callable[[Row], Awaitable[None]],
    found: Callable[[Row], Awaitable[None]] | None = None,
) -> tuple[Row, bool]:
    """The row and whether this call created it.

    `find` looks up the existing row (by external id), `create` adds a new one to the
    session, `start` starts its workflow; `found` runs on an existing row found up front.
    """
    existing = await find()
    if existing is not None:
        if found is not None:
            await found(existing)
        return existing, False
    row = create()
    try:
        await session.flush()
    except IntegrityError:
        # A concurrent request created the same external id first.
        await session.rollback()
        existing = await find()
        if existing is None:
            raise
        return existing, False
    await session.refresh(row)
    await start(row)
    await session.commit()
    return row, True


def fan_out_input(kind: str, target_id: uuid.UUID, settings: Settings) -> FanOutInput:
    """The input of a vacancy's or campaign's fan-out workflow, paced by the settings."""
    return FanOutInput(
        state=FanOutState(
            kind=kind,
            target_id=str(target_id),
            page_size=settings.fanout_page_size,
            concurrency=settings.fanout_concurrency,
        )
    )
