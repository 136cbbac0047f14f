"""The workspace's stored settings: read one by name, write one (insert or replace)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from rapport.db.models import WorkspaceSetting


async def get_setting(session: AsyncSession, name: str) -> WorkspaceSetting | None:
    return await session.get(WorkspaceSetting, name, populate_existing=True)


async def put_setting(session: AsyncSession, name: str, value: Any, changed_by: str) -> None:
    """Set it, whoever set it before; the caller commits."""
    statement = insert(WorkspaceSetting).values(name=name, value=value, changed_by=changed_by)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[WorkspaceSetting.name],
            set_={"value": value, "changed_by": changed_by, "changed_at": func.now()},
        )
    )
