"""Inbound messages: claimed once by their idempotency key, matched to a touch by the digest of
its Message-ID or to a candidate by address, listed for review, counted by kind, and cleared of
personal data when their candidate is erased."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from rapport.db.models import Candidate, InboundRecord, Touch
from rapport.db.repositories.base import Lookup, find_one

get_inbound = Lookup(InboundRecord).by_id
# What an erased candidate's messages keep: their kind, status and times, nothing of them.
ERASED_EFFECT = "candidate erased: the message's personal data deleted"


async def claim_inbound(session: AsyncSession, **values: Any) -> uuid.UUID | None:
    """Insert the message's row unless its idempotency key is known; its id, or None when
    another ingest has it (this one is then a duplicate). Concurrent claims of one key wait
    for each other on the unique index, so exactly one wins."""
    statement = (
        insert(InboundRecord)
        .values(id=uuid.uuid4(), **values)
        .on_conflict_do_nothing(index_elements=[InboundRecord.idempotency_key])
        .returning(InboundRecord.id)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def get_inbound_by_key(session: AsyncSession, idempotency_key: str) -> InboundRecord | None:
    return await find_one(session, InboundRecord, InboundRecord.idempotency_key == idempotency_key)


async def get_inbound_by_task(session: AsyncSession, task_id: uuid.UUID) -> InboundRecord | None:
    return await find_one(session, InboundRecord, InboundRecord.task_id == task_id)


async def touch_by_digest(session: AsyncSession, digest: str) -> Touch | None:
    """The touch whose Message-ID is `<digest@…>` (digest: 32 lowercase hex characters)."""
    if len(digest) != 32 or not all(c in "0123456789abcdef" for c in digest):
        return None
    result = await session.execute(
        select(Touch).where(Touch.message_id.like(f"<{digest}@%")).limit(1)
    )
    return result.scalar_one_or_none()


async def candidates_with_email(
    session: AsyncSession, address: str, *, limit: int = 2
) -> Sequence[Candidate]:
    """Candidates whose address is `address`, case-insensitively (at most `limit`)."""
    result = await session.execute(
        select(Candidate)
        .where(func.lower(Candidate.email) == address.strip().lower())
        .order_by(Candidate.created_at)
        .limit(limit)
    )
    return result.scalars().all()


async def seen_for_touch(
    session: AsyncSession,
    touch_id: uuid.UUID,
    kind: str,
    *,
    besides: uuid.UUID,
    severity: str | None = None,
) -> bool:
    """Whether another message of `kind` (of `severity`, for a bounce) answered this touch."""
    query = select(func.count()).where(
        InboundRecord.touch_id == touch_id,
        InboundRecord.kind == kind,
        InboundRecord.id != besides,
    )
    if severity is not None:
        query = query.where(InboundRecord.bounce_severity == severity)
    return bool(await session.scalar(query))


@dataclass(frozen=True)
class InboundFilter:
    kind: str | None = None
    status: str | None = None
    owner: str | None = None
    candidate_id: uuid.UUID | None = None


async def list_inbound(
    session: AsyncSession, where: InboundFilter, *, limit: int, before: uuid.UUID | None = None
) -> tuple[Sequence[tuple[InboundRecord, Candidate | None, Touch | None]], str | None]:
    """Newest first, with each one's candidate and touch; the cursor of the next page."""
    query = (
        select(InboundRecord, Candidate, Touch)
        .outerjoin(Candidate, Candidate.id == InboundRecord.candidate_id)
        .outerjoin(Touch, Touch.id == InboundRecord.touch_id)
    )
    if where.kind:
        query = query.where(InboundRecord.kind == where.kind)
    if where.status:
        query = query.where(InboundRecord.status == where.status)
    if where.owner is not None:
        query = query.where(func.lower(Candidate.owner) == where.owner.lower())
    if where.candidate_id is not None:
        query = query.where(InboundRecord.candidate_id == where.candidate_id)
    if before is not None:
        anchor = await get_inbound(session, before)
        if anchor is not None:
            query = query.where(
                or_(
                    InboundRecord.received_at < anchor.received_at,
                    (InboundRecord.received_at == anchor.received_at)
                    & (InboundRecord.id < anchor.id),
                )
            )
    query = query.order_by(InboundRecord.received_at.desc(), InboundRecord.id.desc())
    rows = [(r, c, t) for r, c, t in (await session.execute(query.limit(limit + 1))).all()]
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, str(rows[-1][0].id) if more and rows else None


async def count_by_kind(session: AsyncSession) -> dict[str, int]:
    """How many inbound messages there are of each kind (for /metrics: inbound by kind)."""
    result = await session.execute(
        select(InboundRecord.kind, func.count()).group_by(InboundRecord.kind)
    )
    return {kind: int(count) for kind, count in result.all()}


async def mark_notified(session: AsyncSession, inbound_id: uuid.UUID, at: datetime) -> None:
    """The notices of this message reached the candidate's workflow."""
    await session.execute(
        update(InboundRecord)
        .where(InboundRecord.id == inbound_id, InboundRecord.notified_at.is_(None))
        .values(notified_at=at)
    )


async def undelivered(
    session: AsyncSession, mailbox_id: uuid.UUID, *, limit: int = 100
) -> Sequence[InboundRecord]:
    """A mailbox's messages whose notices were stored but not delivered (the worker was lost
    between the commit and its signals), oldest first."""
    result = await session.execute(
        select(InboundRecord)
        .where(
            InboundRecord.mailbox_id == mailbox_id,
            InboundRecord.notified_at.is_(None),
            InboundRecord.candidate_id.is_not(None),
            func.cardinality(InboundRecord.notices) > 0,
        )
        .order_by(InboundRecord.received_at)
        .limit(limit)
    )
    return result.scalars().all()


async def scrub_for_erasure(session: AsyncSession, candidate: Candidate) -> None:
    """Before a candidate is deleted: their messages (matched to them, or from their address)
    keep no text, sender, subject, reason or bytes. The rows stay, so that the same message
    read again is still recognised and never attached to anyone."""
    matched = InboundRecord.candidate_id == candidate.id
    mine = (
        or_(matched, func.lower(InboundRecord.sender) == candidate.email.lower())
        if candidate.email
        else matched
    )
    await session.execute(
        update(InboundRecord)
        .where(mine)
        .values(
            reply_text=None,
            raw=None,
            sender=None,
            subject=None,
            reason=None,
            message_id=None,
            effect=ERASED_EFFECT,
            candidate_id=None,
        )
    )


async def touch_of(session: AsyncSession, record: InboundRecord) -> Touch | None:
    return await session.get(Touch, record.touch_id) if record.touch_id else None


async def message_ids_from_mailbox(session: AsyncSession, mailbox_id: uuid.UUID) -> list[str]:
    """The Message-IDs stored from one mailbox, one per row (for checks and reports)."""
    result = await session.execute(
        select(InboundRecord.message_id).where(InboundRecord.mailbox_id == mailbox_id)
    )
    return [value or "" for value in result.scalars().all()]
