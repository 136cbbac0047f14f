"""Candidates: by id and external id, listing and filtering, the pages a fan-out reads,
erasure and its anonymous record."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager

from rapport.db.models import Candidate, Erasure, PublishedStatus, Touch
from rapport.db.repositories.base import Lookup, add, find_one
from rapport.db.repositories.inbound import scrub_for_erasure

lookup = Lookup(Candidate)
get_candidate = lookup.by_id
get_candidate_by_external_id = lookup.by_external_id


def _with_status(plan_state: bool) -> Select[Candidate]:
    status = contains_eager(Candidate.published)
    if not plan_state:
        status = status.defer(PublishedStatus.plan_state, raiseload=True)
    return (
        select(Candidate)
        .outerjoin(Candidate.published)
        .options(status)
        .where(Candidate.id == bindparam("candidate_id"))
    )


# Built once, not per read: building it anew cost up to a fifth of the query's CPU.
_WITH_STATUS = {True: _with_status(plan_state=True), False: _with_status(plan_state=False)}


async def get_candidate_and_status(
    session: AsyncSession, candidate_id: uuid.UUID, *, plan_state: bool = True
) -> Candidate | None:
    """The candidate, with the status their workflow published loaded in the same query: a
    read of both (`GET /api/candidates/{id}`) is one round trip, not two. The status lands in
    the session, where `statuses.get_status` finds it without asking again. Without
    `plan_state`, the status comes without the planner's state (JSON a profile does not show);
    reading it then raises rather than asking again."""
    query = _WITH_STATUS[plan_state]
    # The candidate holds the status, and so keeps it in the session's (weak) identity map.
    result = await session.execute(query, {"candidate_id": candidate_id})
    return result.scalar_one_or_none()


def add_candidate(session: AsyncSession, **values: Any) -> Candidate:
    return add(session, Candidate, **values)


@dataclass(frozen=True)
class CandidateFilter:
    stage: str | None = None
    owner: str | None = None
    text: str | None = None
    email_status: str | None = None


@dataclass(frozen=True)
class Page:
    items: Sequence[Candidate]
    next_cursor: str | None


def _filtered(query: Select[Any], where: CandidateFilter) -> Select[Any]:
    if where.stage:
        query = query.where(Candidate.stage == where.stage)
    if where.owner:
        query = query.where(func.lower(Candidate.owner) == where.owner.lower())
    if where.email_status:
        query = query.where(Candidate.email_status == where.email_status)
    if where.text:
        query = query.where(text_matches(where.text))
    return query


# What a free-text search looks in: name, title, employer, the caller's own id.
SEARCHED = (
    Candidate.full_name,
    Candidate.current_title,
    Candidate.current_employer,
    Candidate.external_id,
)


def text_matches(text: str, *columns: Any) -> ColumnElement[bool]:
    """`text` anywhere in one of SEARCHED (and of `columns`), case-insensitive, taken
    literally (`%` and `_` are not wildcards)."""
    pattern = f"%{escape_like(text)}%"
    return or_(*(column.ilike(pattern, escape="\\") for column in (*SEARCHED, *columns)))


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def list_candidates(
    session: AsyncSession, where: CandidateFilter, *, limit: int, after: uuid.UUID | None
) -> Page:
    """Keyset pagination on (created_at, id): stable while candidates are being added."""
    return await keyset_page(session, _filtered(select(Candidate), where), limit=limit, after=after)


async def keyset_page(
    session: AsyncSession,
    query: Select[Any],
    *,
    limit: int,
    after: uuid.UUID | None,
    newest_first: bool = False,
) -> Page:
    """A page of candidates in (created_at, id) order, oldest or newest first, starting after
    the candidate `after` (the previous page's cursor)."""
    if after is not None:
        anchor = await session.get(Candidate, after)
        if anchor is not None:
            if newest_first:
                beyond = (Candidate.created_at < anchor.created_at) | (
                    (Candidate.created_at == anchor.created_at) & (Candidate.id < anchor.id)
                )
            else:
                beyond = (Candidate.created_at > anchor.created_at) | (
                    (Candidate.created_at == anchor.created_at) & (Candidate.id > anchor.id)
                )
            query = query.where(beyond)
    order = (
        (Candidate.created_at.desc(), Candidate.id.desc())
        if newest_first
        else (Candidate.created_at, Candidate.id)
    )
    rows: Sequence[Candidate] = (
        (await session.execute(query.order_by(*order).limit(limit + 1))).scalars().all()
    )
    more = len(rows) > limit
    items = rows[:limit]
    return Page(items=items, next_cursor=str(items[-1].id) if more and items else None)


REACHABLE_STAGES = ("nurturing", "engaged", "paused")


async def candidates_page(
    session: AsyncSession, *, after: uuid.UUID | None, limit: int
) -> Sequence[Candidate]:
    """Candidates who may be matched at all, in id order: never opted out, erased, hired,
    archived, or not interested (greetings only)."""
    query = (
        select(Candidate)
        .where(Candidate.stage.in_(REACHABLE_STAGES), Candidate.greetings_only.is_(False))
        .order_by(Candidate.id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(Candidate.id > after)
    return (await session.execute(query)).scalars().all()


# --- erasure ---------------------------------------------------------------------------------
async def erase_candidate(session: AsyncSession, candidate: Candidate) -> Erasure:
    """Delete the candidate and everything about them; keep one anonymous row saying so."""
    touches = (
        await session.execute(select(func.count()).where(Touch.candidate_id == candidate.id))
    ).scalar_one()
    erasure = Erasure(
        id=uuid.uuid4(),
        candidate_id=candidate.id,
        touches=min(int(touches), 32767),
        enrolled_at=candidate.created_at,
    )
    session.add(erasure)
    await scrub_for_erasure(session, candidate)
    await session.delete(candidate)
    await session.flush()
    return erasure


async def get_erasure(session: AsyncSession, candidate_id: uuid.UUID) -> Erasure | None:
    return await find_one(session, Erasure, Erasure.candidate_id == candidate_id)


# --- email status ----------------------------------------------------------------------------
async def mark_deliverable(session: AsyncSession, candidate_id: uuid.UUID) -> None:
    """An email to the candidate went through: their address is deliverable, unless a report
    has said otherwise (a bounce or a complaint stands until HR changes the address)."""
    await session.execute(_MARK_DELIVERABLE, {"candidate_id": candidate_id})


# Built once (after every first email to an address): the candidate is bound at execution.
_MARK_DELIVERABLE = (
    update(Candidate)
    .where(Candidate.id == bindparam("candidate_id"), Candidate.email_status == "unknown")
    .values(email_status="deliverable")
)
