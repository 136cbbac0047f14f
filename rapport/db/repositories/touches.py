"""Touches: the record of every message planned, sent, skipped or handed to a person, each
unique by its idempotency key."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from rapport.db.models import Touch
from rapport.db.repositories.base import find_one


async def get_touch_by_key(session: AsyncSession, idempotency_key: str) -> Touch | None:
    return await find_one(session, Touch, Touch.idempotency_key == idempotency_key)


async def record_touch(session: AsyncSession, **values: Any) -> bool:
    """Insert a touch unless one with its idempotency key exists; True if this call inserted."""
    statement = (
        insert(Touch)
        .values(id=uuid.uuid4(), **values)
        .on_conflict_do_nothing(index_elements=[Touch.idempotency_key])
        .returning(Touch.id)
    )
    inserted = (await session.execute(statement)).scalar_one_or_none()
    return inserted is not None


async def list_touches(session: AsyncSession, candidate_id: uuid.UUID) -> Sequence[Touch]:
    result = await session.execute(
        select(Touch)
        .where(Touch.candidate_id == candidate_id)
        .order_by(Touch.due_at.desc(), Touch.created_at.desc())
    )
    return result.scalars().all()


async def last_touch_at(session: AsyncSession, candidate_id: uuid.UUID) -> datetime | None:
    result = await session.execute(
        select(func.max(Touch.sent_at)).where(Touch.candidate_id == candidate_id)
    )
    return result.scalar_one_or_none()


async def set_touch_outcome(
    session: AsyncSession,
    task_id: uuid.UUID,
    *,
    status: str,
    reason: str | None,
    sent_at: datetime | None,
) -> None:
    """How the touch behind an assisted task ended: sent or skipped, by its person."""
    touch = await find_one(session, Touch, Touch.task_id == task_id)
    if touch is not None:
        touch.status = status
        touch.reason = reason
        touch.sent_at = sent_at
