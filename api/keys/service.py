"""Making, listing and revoking API keys."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from api.errors import Invalid, NotFound
from api.keys.schemas import KeyBody, KeyOut, NewKey
from rapport import keys
from rapport.db.repositories import api_keys as key_repo


async def create(session: AsyncSession, body: KeyBody) -> NewKey:
    """Make a key; the answer is the only time it is shown."""
    try:
        record, secret = await keys.create(
            session, role=body.role, name=body.name, owner=str(body.owner) if body.owner else None
        )
    except ValueError as err:
        raise Invalid("owner", str(err)) from None
    await session.commit()
    await session.refresh(record)
    return NewKey(**KeyOut.model_validate(record, from_attributes=True).model_dump(), key=secret)


async def every_key(session: AsyncSession) -> Sequence[KeyOut]:
    """Oldest first, never the secret."""
    found = await key_repo.list_keys(session)
    return [KeyOut.model_validate(record, from_attributes=True) for record in found]


async def revoke(session: AsyncSession, key_id: uuid.UUID) -> KeyOut:
    record = await keys.revoke(session, key_id)
    if record is None:
        raise NotFound("key not found")
    await session.commit()
    return KeyOut.model_validate(record, from_attributes=True)
