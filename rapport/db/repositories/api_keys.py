"""API keys, by the hash of the secret (the secret itself is never stored)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from rapport.db.models import ApiKey
from rapport.db.repositories.base import Lookup, add, find_one

get_key = Lookup(ApiKey).by_id


def add_key(session: AsyncSession, **values: Any) -> ApiKey:
    return add(session, ApiKey, **values)


async def find_by_hash(
    session: AsyncSession, key_hash: str, *, active: bool = True
) -> ApiKey | None:
    """The key with this hash; with `active`, only if it has not been revoked."""
    where = [ApiKey.key_hash == key_hash]
    if active:
        where.append(ApiKey.revoked_at.is_(None))
    return await find_one(session, ApiKey, *where)


async def list_keys(session: AsyncSession) -> Sequence[ApiKey]:
    return (await session.execute(select(ApiKey).order_by(ApiKey.created_at))).scalars().all()
