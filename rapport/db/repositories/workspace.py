"""What the web workspace's lists read: candidates searched by stage, owner, relationship,
skill and email status (never a workflow), a count for the page, the owners to filter by, the
names a list of tasks shows, and the replies waiting to be classified."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from rapport.db.models import Candidate, InboundRecord, Interaction, Task
from rapport.db.repositories.candidates import Page, keyset_page, text_matches


@dataclass(frozen=True)
class CandidateSearch:
    """Every field optional; the ones given must all hold."""

    stage: str | None = None
    owner: str | None = None
    origin: str | None = None
    rapport: str | None = None
    skill: str | None = None
    text: str | None = None
    email_status: str | None = None


def _searched(query: Select[Any], where: CandidateSearch) -> Select[Any]:
    # Erased candidates keep an anonymous row: never listed.
    query = query.where(Candidate.stage != "erased")
    if where.stage:
        query = query.where(Candidate.stage == where.stage)
    if where.owner:
        query = query.where(func.lower(Candidate.owner) == where.owner.lower())
    if where.origin:
        query = query.where(Candidate.relationship_origin == where.origin)
    if where.rapport:
        query = query.where(Candidate.rapport == where.rapport)
    if where.email_status:
        query = query.where(Candidate.email_status == where.email_status)
    if where.skill:
        # Skills are kept as typed; a search for "Python" finds "python" too.
        skills = func.unnest(Candidate.skills).table_valued("skill").render_derived()
        query = query.where(
            select(skills.c.skill).where(func.lower(skills.c.skill) == where.skill.lower()).exists()
        )
    if where.text:
        # The workspace also finds people by their address.
        query = query.where(text_matches(where.text, Candidate.email))
    return query


async def search_candidates(
    session: AsyncSession, where: CandidateSearch, *, limit: int, after: uuid.UUID | None
) -> Page:
    """Newest first, keyset-paginated on (created_at, id)."""
    query = _searched(select(Candidate), where)
    return await keyset_page(session, query, limit=limit, after=after, newest_first=True)


async def count_candidates(session: AsyncSession, where: CandidateSearch) -> int:
    query = _searched(select(func.count()).select_from(Candidate), where)
    return int((await session.execute(query)).scalar_one())


async def owners(session: AsyncSession, *, limit: int = 500) -> list[str]:
    """Everyone who holds a relationship, for the owner filter."""
    query = (
        select(func.lower(Candidate.owner))
        .where(Candidate.owner.is_not(None), Candidate.stage != "erased")
        .group_by(func.lower(Candidate.owner))
        .order_by(func.lower(Candidate.owner))
        .limit(limit)
    )
    return [str(owner) for owner in (await session.execute(query)).scalars().all()]


async def names(session: AsyncSession, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Candidates' names by id (erased ones have none)."""
    wanted = list(set(ids))
    if not wanted:
        return {}
    query = select(Candidate.id, Candidate.full_name).where(
        Candidate.id.in_(wanted), Candidate.stage != "erased"
    )
    return {row.id: row.full_name for row in (await session.execute(query)).all()}


async def interactions(session: AsyncSession, candidate_id: uuid.UUID) -> Sequence[Interaction]:
    """Meetings and replies, newest first, for a candidate's timeline."""
    query = (
        select(Interaction)
        .where(Interaction.candidate_id == candidate_id)
        .order_by(Interaction.created_at.desc())
        .limit(200)
    )
    return (await session.execute(query)).scalars().all()


async def waiting_replies(
    session: AsyncSession, *, candidate_id: uuid.UUID | None = None, owner: str | None = None
) -> Sequence[tuple[Task, InboundRecord]]:
    """Open `classify_reply` tasks with the reply each asks about, oldest deadline first: for
    one candidate, or one owner's (None: everyone's)."""
    query = (
        select(Task, InboundRecord)
        .join(InboundRecord, InboundRecord.task_id == Task.id)
        .where(Task.kind == "classify_reply", Task.status == "open")
        .order_by(Task.due_at, Task.id)
        .limit(200)
    )
    if candidate_id is not None:
        query = query.where(Task.candidate_id == candidate_id)
    if owner:
        query = query.where(func.lower(Task.owner) == owner.lower())
    return [(task, record) for task, record in (await session.execute(query)).all()]
