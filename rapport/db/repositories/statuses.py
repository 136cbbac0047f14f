"""What each candidate's workflow last published: stored by its activity, read by the API."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from rapport.db.models import PublishedStatus


async def store_status(session: AsyncSession, candidate_id: uuid.UUID, **values: Any) -> None:
    """Upsert the candidate's row unless a newer one (by `published_at`) is there already.

    Raises IntegrityError (the foreign key) when the candidate is gone."""
    statement = insert(PublishedStatus).values(candidate_id=candidate_id, **values)
    statement = statement.on_conflict_do_update(
        index_elements=[PublishedStatus.candidate_id],
        set_={**{name: statement.excluded[name] for name in values}, "updated_at": func.now()},
        where=PublishedStatus.published_at <= statement.excluded.published_at,
    )
    await session.execute(statement)


async def get_status(session: AsyncSession, candidate_id: uuid.UUID) -> PublishedStatus | None:
    return await session.get(PublishedStatus, candidate_id)
