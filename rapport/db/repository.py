"""Every query of Rapport, as functions over an `AsyncSession`; callers own the transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from rapport.db.models import Candidate, Touch


async def get_candidate(session: AsyncSession, candidate_id: uuid.UUID) -> Candidate | None:
    return await session.get(Candidate, candidate_id)


async def get_candidate_by_external_id(session: AsyncSession, external_id: str) -> Candidate | None:
    result = await session.execute(select(Candidate).where(Candidate.external_id == external_id))
    return result.scalar_one_or_none()


def add_candidate(session: AsyncSession, **values: Any) -> Candidate:
    candidate = Candidate(**values)
    session.add(candidate)
    return candidate


@dataclass(frozen=True)
class CandidateFilter:
    stage: str | None = None
    owner: str | None = None
    text: str | None = None


@dataclass(frozen=True)
class Page:
    items: Sequence[Candidate]
    next_cursor: str | None


def _filtered(query: Select[Any], where: CandidateFilter) -> Select[Any]:
    if where.stage:
        query = query.where(Candidate.stage == where.stage)
    if where.owner:
        query = query.where(func.lower(Candidate.owner) == where.owner.lower())
    if where.text:
        pattern = f"%{escape_like(where.text)}%"
        query = query.where(
            or_(
                Candidate.full_name.ilike(pattern, escape="\\"),
                Candidate.current_title.ilike(pattern, escape="\\"),
                Candidate.current_employer.ilike(pattern, escape="\\"),
                Candidate.external_id.ilike(pattern, escape="\\"),
            )
        )
    return query


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def list_candidates(
    session: AsyncSession, where: CandidateFilter, *, limit: int, after: uuid.UUID | None
) -> Page:
    """Keyset pagination on (created_at, id): stable while candidates are being added."""
    query = _filtered(select(Candidate), where)
    if after is not None:
        anchor = await session.get(Candidate, after)
        if anchor is not None:
            query = query.where(
                or_(
                    Candidate.created_at > anchor.created_at,
                    (Candidate.created_at == anchor.created_at) & (Candidate.id > anchor.id),
                )
            )
    query = query.order_by(Candidate.created_at, Candidate.id).limit(limit + 1)
    rows: Sequence[Candidate] = (await session.execute(query)).scalars().all()
    more = len(rows) > limit
    items = rows[:limit]
    return Page(items=items, next_cursor=str(items[-1].id) if more and items else None)


async def get_touch_by_key(session: AsyncSession, idempotency_key: str) -> Touch | None:
    result = await session.execute(select(Touch).where(Touch.idempotency_key == idempotency_key))
    return result.scalar_one_or_none()


async def record_touch(session: AsyncSession, **values: Any) -> bool:
    """Insert a touch unless one with its idempotency key exists; True if this call inserted."""
    statement = (
        insert(Touch)
        .values(id=uuid.uuid4(), **values)
        .on_conflict_do_nothing(index_elements=[Touch.idempotency_key])
        .returning(Touch.id)
    )
    inserted = (await session.execute(statement)).scalar_one_or_none()
    return inserted is not None


async def list_touches(session: AsyncSession, candidate_id: uuid.UUID) -> Sequence[Touch]:
    result = await session.execute(
        select(Touch)
        .where(Touch.candidate_id == candidate_id)
        .order_by(Touch.due_at.desc(), Touch.created_at.desc())
    )
    return result.scalars().all()


async def last_touch_at(session: AsyncSession, candidate_id: uuid.UUID) -> datetime | None:
    result = await session.execute(
        select(func.max(Touch.sent_at)).where(Touch.candidate_id == candidate_id)
    )
    return result.scalar_one_or_none()
