"""Touches: the record of every message planned, sent, skipped or handed to a person, each
unique by its idempotency key."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningInsert

from rapport.db.models import Candidate, Touch
from rapport.db.repositories.base import find_one


async def get_touch_by_key(session: AsyncSession, idempotency_key: str) -> Touch | None:
    return await find_one(session, Touch, Touch.idempotency_key == idempotency_key)


# The send path's statements are built once, their values bound at each execution: building
# one anew, with its cache key, cost about as much CPU as executing it.
_CANDIDATE_AND_TOUCH = (
    select(Candidate, Touch)
    .outerjoin(
        Touch,
        (Touch.idempotency_key == bindparam("key")) & (Touch.candidate_id == Candidate.id),
    )
    .where(Candidate.id == bindparam("candidate_id"))
)


async def candidate_and_touch(
    session: AsyncSession, candidate_id: uuid.UUID, idempotency_key: str
) -> tuple[Candidate | None, Touch | None]:
    """The candidate and their touch of this key, if either is stored, in one round trip (a
    touch goes with its candidate: erasing one erases their touches)."""
    found = (
        await session.execute(
            _CANDIDATE_AND_TOUCH, {"candidate_id": candidate_id, "key": idempotency_key}
        )
    ).one_or_none()
    if found is None:
        return None, None
    return found[0], found[1]


# A touch's internal phase while its email is between "about to send DATA" and the answer.
SENDING = "sending"


async def record_touch(session: AsyncSession, **values: Any) -> bool:
    """Record a touch's outcome unless one with its idempotency key exists; True if this call
    wrote it. A row left in flight (`sending`) by a lost attempt is finished instead, keeping
    the reason the claim gave it when the outcome has none (a possible double delivery)."""
    statement = _recording(frozenset(values))
    return (await session.execute(statement, {"id": uuid.uuid4(), **values})).first() is not None


@functools.cache
def _recording(columns: frozenset[str]) -> ReturningInsert[uuid.UUID]:
    """record_touch's statement for a row of these columns (a handful of sets in all)."""
    row = insert(Touch)
    settable = {name: row.excluded[name] for name in sorted(columns) if name != "idempotency_key"}
    return row.on_conflict_do_update(
        index_elements=[Touch.idempotency_key],
        set_={
            **settable,
            "reason": func.coalesce(row.excluded.reason, Touch.reason),
            "phase": None,
            "updated_at": func.now(),
        },
        where=Touch.phase == SENDING,
    ).returning(Touch.id)


async def claim_touch(session: AsyncSession, **values: Any) -> bool:
    """Mark a touch as being sent, just before the SMTP DATA; True if this attempt may send.

    Inserted with phase `sending` (its status `scheduled` until the answer); False when the
    key is already taken, by an outcome or by another attempt's claim."""
    row = {"id": uuid.uuid4(), "phase": SENDING, **values}
    return (await session.execute(_CLAIM, row)).first() is not None


_CLAIM = (
    insert(Touch).on_conflict_do_nothing(index_elements=[Touch.idempotency_key]).returning(Touch.id)
)


async def reclaim_touch(session: AsyncSession, idempotency_key: str, reason: str) -> bool:
    """Send again a touch an earlier attempt left in flight, flagged as possibly delivered twice;
    True if it was still in flight (not finished meanwhile by that attempt after all)."""
    statement = (
        update(Touch)
        .where(Touch.idempotency_key == idempotency_key, Touch.phase == SENDING)
        .values(possibly_duplicate=True, reason=reason, updated_at=func.now())
        .returning(Touch.id)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def release_touch(session: AsyncSession, idempotency_key: str) -> None:
    """Forget a claim whose message certainly did not go out (nothing sent before it)."""
    await session.execute(
        delete(Touch).where(
            Touch.idempotency_key == idempotency_key,
            Touch.phase == SENDING,
            Touch.possibly_duplicate.is_(False),
        )
    )


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


async def fail_sent_touch(session: AsyncSession, touch_id: uuid.UUID, reason: str) -> bool:
    """A sent email bounced for good: the touch is `failed`, with the reason; True if it was
    `sent` until now."""
    statement = (
        update(Touch)
        .where(Touch.id == touch_id, Touch.status == "sent")
        .values(status="failed", reason=reason, updated_at=func.now())
        .returning(Touch.id)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None
