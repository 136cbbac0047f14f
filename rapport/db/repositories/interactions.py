"""Interactions: what happened with a candidate (met in person, replied)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from rapport.db.models import Interaction
from rapport.db.repositories.base import Lookup, add
from rapport.vocabulary import InteractionType, Sentiment

get_interaction = Lookup(Interaction).by_id


async def add_interaction(session: AsyncSession, **values: Any) -> Interaction:
    interaction = add(session, Interaction, id=uuid.uuid4(), **values)
    await session.flush()
    return interaction


async def reply_waiting(session: AsyncSession, candidate_id: uuid.UUID) -> bool:
    """Whether the candidate's latest reply is one read from mail that nobody has classified
    yet: the workflow's hold (`replies_to_classify`) as PostgreSQL knows it. A reply the owner
    classified, or one HR recorded with its sentiment later, ends it, as in the workflow."""
    result = await session.execute(_LATEST_REPLY, {"candidate_id": candidate_id})
    return result.scalar_one_or_none() == Sentiment.UNCLASSIFIED.value


# Built once (every send reads it): the candidate is bound at each execution.
_LATEST_REPLY = (
    select(Interaction.sentiment)
    .where(
        Interaction.candidate_id == bindparam("candidate_id"),
        Interaction.type == InteractionType.REPLIED.value,
    )
    .order_by(Interaction.created_at.desc(), Interaction.id.desc())
    .limit(1)
)
