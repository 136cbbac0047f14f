"""What each candidate's workflow last published: stored by its activity (and, for a new
candidate, by the enrolment that starts it), read by the API."""

from __future__ import annotations

import functools
import json
import uuid
from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import Insert, insert
from sqlalchemy.ext.asyncio import AsyncSession

from rapport.contracts.status import StatusToStore
from rapport.db.models import PublishedStatus


async def store_status(session: AsyncSession, candidate_id: uuid.UUID, **values: Any) -> None:
    """Upsert the candidate's row unless a newer one (by `published_at`) is there already.

    Raises IntegrityError (the foreign key) when the candidate is gone."""
    await session.execute(_storing(frozenset(values)), {"candidate_id": candidate_id, **values})


@functools.cache
def _storing(columns: frozenset[str]) -> Insert:
    """store_status's statement for these columns, built once (every status stored runs it):
    the values are bound at each execution."""
    statement = insert(PublishedStatus)
    return statement.on_conflict_do_update(
        index_elements=[PublishedStatus.candidate_id],
        set_={
            **{name: statement.excluded[name] for name in sorted(columns)},
            "updated_at": func.now(),
        },
        where=PublishedStatus.published_at <= statement.excluded.published_at,
    )


async def store_published(session: AsyncSession, status: StatusToStore) -> None:
    """Store what a workflow publishes (`store_status`'s columns from the payload)."""
    touch = status.next_touch
    await store_status(
        session,
        uuid.UUID(status.candidate_id),
        stage=status.stage.value,
        occasion=touch.occasion.value if touch else None,
        channel=touch.channel.value if touch and touch.channel else None,
        sender_role=touch.sender_role.value if touch else None,
        due_at=touch.due_at if touch else None,
        reason=touch.reason if touch else None,
        sender=touch.sender if touch else None,
        assisted=bool(touch and touch.assisted),
        skip=bool(touch and touch.skip),
        published_at=status.published_at,
        # Always written, null too: a plan state never outlives a newer status.
        plan_state=json.loads(status.plan_state) if status.plan_state else None,
    )


async def get_status(session: AsyncSession, candidate_id: uuid.UUID) -> PublishedStatus | None:
    return await session.get(PublishedStatus, candidate_id)
