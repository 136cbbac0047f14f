"""Interactions: what happened with a candidate (met in person, replied)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from rapport.db.models import Interaction
from rapport.db.repositories.base import Lookup, add

get_interaction = Lookup(Interaction).by_id


async def add_interaction(session: AsyncSession, **values: Any) -> Interaction:
    interaction = add(session, Interaction, id=uuid.uuid4(), **values)
    await session.flush()
    return interaction
