"""HR's edits of the message templates: added, never changed; the newest of a key is in force."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from rapport.db.models import TemplateEdit
from rapport.db.repositories.base import add


async def active(session: AsyncSession, key: str) -> TemplateEdit | None:
    """The newest edit of a key (its body None after a revert), or None if never edited.
    One indexed read: it runs for every message rendered."""
    return (await session.execute(_ACTIVE, {"key": key})).scalar_one_or_none()


# Built once (every message rendered reads it): the key is bound at execution.
_ACTIVE = (
    select(TemplateEdit)
    .where(TemplateEdit.key == bindparam("key"))
    .order_by(TemplateEdit.id.desc())
    .limit(1)
)


async def history(session: AsyncSession, key: str, limit: int = 100) -> Sequence[TemplateEdit]:
    """A key's edits, newest first."""
    query = (
        select(TemplateEdit).where(TemplateEdit.key == key).order_by(TemplateEdit.id.desc())
    ).limit(limit)
    return (await session.execute(query)).scalars().all()


async def newest_of_each(session: AsyncSession) -> dict[str, TemplateEdit]:
    """Every edited key's newest edit."""
    newest = select(func.max(TemplateEdit.id)).group_by(TemplateEdit.key)
    query = select(TemplateEdit).where(TemplateEdit.id.in_(newest))
    return {edit.key: edit for edit in (await session.execute(query)).scalars()}


async def lock_key(session: AsyncSession, key: str) -> None:
    """Hold the key until the transaction ends: two edits of one template never both pass the
    check of what the text in force is (there may be no row yet to lock)."""
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtext("template:" + key))))


def add_edit(session: AsyncSession, **values: Any) -> TemplateEdit:
    return add(session, TemplateEdit, **values)
