"""Connected mailboxes: added, listed, found, removed; a message's position stored with it; how
a read went (health, last error, failures in a row)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from rapport.db.models import Mailbox
from rapport.db.repositories.base import Lookup
from rapport.vocabulary import MailboxHealth

get_mailbox = Lookup(Mailbox).by_id
# Stored of an error (it is shown to operators; the server's text can be long).
MAX_ERROR = 1000


async def add_mailbox(session: AsyncSession, **values: Any) -> bool:
    """Insert it; False when that host, user and folder is already connected."""
    statement = (
        insert(Mailbox)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[Mailbox.host, Mailbox.username, Mailbox.folder])
        .returning(Mailbox.id)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def list_mailboxes(session: AsyncSession) -> Sequence[Mailbox]:
    result = await session.execute(select(Mailbox).order_by(Mailbox.created_at, Mailbox.id))
    return result.scalars().all()


async def enabled_ids(session: AsyncSession) -> list[uuid.UUID]:
    result = await session.execute(select(Mailbox.id).where(Mailbox.enabled.is_(True)))
    return list(result.scalars().all())


async def delete_mailbox(session: AsyncSession, mailbox: Mailbox) -> None:
    await session.delete(mailbox)
    await session.flush()


async def store_position(
    session: AsyncSession, mailbox_id: uuid.UUID, uidvalidity: int, last_uid: int
) -> None:
    """Where reading stands, in the caller's transaction (with the message it read)."""
    await session.execute(
        update(Mailbox)
        .where(Mailbox.id == mailbox_id)
        .values(uidvalidity=uidvalidity, last_uid=last_uid)
    )


async def read_ok(session: AsyncSession, mailbox_id: uuid.UUID, at: datetime) -> None:
    await session.execute(
        update(Mailbox)
        .where(Mailbox.id == mailbox_id)
        .values(
            health=MailboxHealth.OK.value, last_read_at=at, last_error=None, consecutive_failures=0
        )
    )


async def read_failed(
    session: AsyncSession, mailbox_id: uuid.UUID, health: MailboxHealth, error: str, at: datetime
) -> int:
    """Record a failed read; the failures in a row, now."""
    result = await session.execute(
        update(Mailbox)
        .where(Mailbox.id == mailbox_id)
        .values(
            health=health.value,
            last_error=error[:MAX_ERROR],
            last_error_at=at,
            consecutive_failures=Mailbox.consecutive_failures + 1,
        )
        .returning(Mailbox.consecutive_failures)
    )
    return int(result.scalar_one_or_none() or 0)
