"""What every repository shares: a row by id or by external id, one row by a condition."""

from __future__ import annotations

import uuid
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from rapport.db.models import Base

Row = TypeVar("Row", bound=Base)


async def find_one(
    session: AsyncSession, model: type[Row], *where: ColumnElement[bool]
) -> Row | None:
    """The one row of `model` that matches, or None (the conditions name a unique key)."""
    return (await session.execute(select(model).where(*where))).scalar_one_or_none()


class Lookup(Generic[Row]):
    """A table's lookups by primary key and, where it has one, by the caller's external id."""

    def __init__(self, model: type[Row]) -> None:
        self.model = model

    async def by_id(
        self, session: AsyncSession, row_id: uuid.UUID, *, lock: bool = False
    ) -> Row | None:
        """`lock`: read it FOR UPDATE, so concurrent writers wait for this transaction."""
        return await session.get(self.model, row_id, with_for_update=True if lock else None)

    async def by_external_id(self, session: AsyncSession, external_id: str) -> Row | None:
        column: Any = getattr(self.model, "external_id")  # noqa: B009 - not every table has one
        return await find_one(session, self.model, column == external_id)


def add(session: AsyncSession, model: type[Row], **values: Any) -> Row:
    """A new row, added to the session; the caller flushes or commits it."""
    row = model(**values)
    session.add(row)
    return row


async def ping(session: AsyncSession) -> None:
    """A round trip to the database, for readiness checks."""
    await session.execute(text("select 1"))
