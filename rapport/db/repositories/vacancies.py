"""Vacancies and their matches: who a vacancy matched, what became of each (notified,
skipped and why, replied, cancelled when it closed), and the counts a vacancy shows."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from rapport.db.models import Candidate, Task, TaskVacancy, Vacancy, VacancyMatch
from rapport.db.repositories.base import Lookup, add
from rapport.vocabulary import MatchStatus, Occasion, TaskStatus

lookup = Lookup(Vacancy)
get_vacancy = lookup.by_id
get_vacancy_by_external_id = lookup.by_external_id


def add_vacancy(session: AsyncSession, **values: Any) -> Vacancy:
    return add(session, Vacancy, **values)


async def save_matches(
    session: AsyncSession, vacancy_id: uuid.UUID, rows: list[dict[str, Any]]
) -> None:
    """Insert matches; one already there (a retried page) is left as it is."""
    if not rows:
        return
    statement = (
        insert(VacancyMatch)
        .values([{"id": uuid.uuid4(), "vacancy_id": vacancy_id, **row} for row in rows])
        .on_conflict_do_nothing(index_elements=[VacancyMatch.vacancy_id, VacancyMatch.candidate_id])
    )
    await session.execute(statement)


async def set_match_status(
    session: AsyncSession,
    vacancy_ids: Sequence[uuid.UUID],
    candidate_ids: Sequence[uuid.UUID],
    *,
    status: MatchStatus,
    reason: str | None,
    only_from: Sequence[MatchStatus] | None = None,
) -> list[uuid.UUID]:
    """Move matches to `status`; returns the candidates whose match moved."""
    values = {
        "vacancy_ids": list(vacancy_ids),
        "candidate_ids": list(candidate_ids),
        "status": status,
        "reason": reason,
    }
    if only_from is None:
        result = await session.execute(_SET_MATCH_STATUS, values)
    else:
        result = await session.execute(_SET_MATCH_STATUS_FROM, values | {"only_from": only_from})
    return list(result.scalars().all())


# Built once (every vacancy email marks its matches): lists are bound as expanding parameters.
_SET_MATCH_STATUS = (
    update(VacancyMatch)
    .where(
        VacancyMatch.vacancy_id.in_(bindparam("vacancy_ids", expanding=True)),
        VacancyMatch.candidate_id.in_(bindparam("candidate_ids", expanding=True)),
    )
    .values(status=bindparam("status"), reason=bindparam("reason"))
    .returning(VacancyMatch.candidate_id)
)
_SET_MATCH_STATUS_FROM = _SET_MATCH_STATUS.where(
    VacancyMatch.status.in_(bindparam("only_from", expanding=True))
)


async def vacancies_of_task(session: AsyncSession, task_id: uuid.UUID) -> list[uuid.UUID]:
    """The vacancies a draft task names (its `task_vacancies` rows)."""
    query = select(TaskVacancy.vacancy_id).where(TaskVacancy.task_id == task_id)
    return list((await session.execute(query.order_by(TaskVacancy.vacancy_id))).scalars().all())


async def draft_not_sent(
    session: AsyncSession, task: Task, *, status: MatchStatus, reason: str | None
) -> None:
    """A vacancy draft ended without going out: the matches it counted as notified become
    `status` (skipped, or matched again to be planned anew)."""
    vacancy_ids = await vacancies_of_task(session, task.id)
    if not vacancy_ids:
        return
    await set_match_status(
        session,
        vacancy_ids,
        [task.candidate_id],
        status=status,
        reason=reason,
        only_from=[MatchStatus.NOTIFIED],
    )


CLOSED_BEFORE_SENT = "the vacancy closed before the message went out"


async def pending_matches(
    session: AsyncSession,
    vacancy_id: uuid.UUID,
    *,
    after: uuid.UUID | None = None,
    limit: int | None = None,
) -> list[uuid.UUID]:
    """Candidates a closing vacancy can still spare a message: not yet reached, or whose
    draft about it still waits in someone's inbox; and, so that a page retried after a lost
    worker tells the same people again, those this closing has already cancelled."""
    draft_waiting = (
        select(Task.id)
        .join(TaskVacancy, TaskVacancy.task_id == Task.id)
        .where(
            Task.candidate_id == VacancyMatch.candidate_id,
            Task.status == TaskStatus.OPEN,
            Task.occasion == Occasion.VACANCY,
            TaskVacancy.vacancy_id == vacancy_id,
        )
        .exists()
    )
    query = (
        select(VacancyMatch.candidate_id)
        .where(
            VacancyMatch.vacancy_id == vacancy_id,
            or_(
                VacancyMatch.status == MatchStatus.MATCHED,
                (VacancyMatch.status == MatchStatus.NOTIFIED) & draft_waiting,
                (VacancyMatch.status == MatchStatus.CANCELLED)
                & (VacancyMatch.reason == CLOSED_BEFORE_SENT),
            ),
        )
        .order_by(VacancyMatch.candidate_id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(VacancyMatch.candidate_id > after)
    return list((await session.execute(query)).scalars().all())


async def match_counts(session: AsyncSession, vacancy_id: uuid.UUID) -> dict[MatchStatus, int]:
    result = await session.execute(
        select(VacancyMatch.status, func.count())
        .where(VacancyMatch.vacancy_id == vacancy_id)
        .group_by(VacancyMatch.status)
    )
    return {status: int(count) for status, count in result.all()}


# "birthday went out on 2026-03-02": the same reason on any day.
DATED = re.compile(r"\s+(?:on|by)\s+\d{4}-\d{2}-\d{2}")


async def skip_reasons(session: AsyncSession, vacancy_id: uuid.UUID) -> dict[str, int]:
    """Why candidates were not contacted, counted by reason whatever the dates in it."""
    result = await session.execute(
        select(VacancyMatch.reason, func.count())
        .where(VacancyMatch.vacancy_id == vacancy_id, VacancyMatch.status == MatchStatus.SKIPPED)
        .group_by(VacancyMatch.reason)
    )
    counted: dict[str, int] = {}
    for reason, count in result.all():
        key = DATED.sub("", str(reason))
        counted[key] = counted.get(key, 0) + int(count)
    return counted


async def list_matches(
    session: AsyncSession,
    vacancy_id: uuid.UUID,
    *,
    owner: str | None = None,
    limit: int,
    offset: int,
) -> Sequence[tuple[VacancyMatch, Candidate]]:
    """Best first; a vacancy's matches are written once, so offsets stay stable."""
    query = (
        select(VacancyMatch, Candidate)
        .join(Candidate, Candidate.id == VacancyMatch.candidate_id)
        .join(Vacancy, Vacancy.id == VacancyMatch.vacancy_id)
        .where(VacancyMatch.vacancy_id == vacancy_id)
        .order_by(VacancyMatch.score.desc(), VacancyMatch.candidate_id)
        .limit(limit)
        .offset(offset)
    )
    if owner:
        # Whoever wrote to them: their owner, or for those nobody holds, the hiring manager.
        writer = func.coalesce(Candidate.owner, Vacancy.hiring_manager)
        query = query.where(func.lower(writer) == owner.lower())
    return [(row[0], row[1]) for row in (await session.execute(query)).all()]


async def matches_for(
    session: AsyncSession, candidate_id: uuid.UUID, vacancy_ids: Sequence[uuid.UUID]
) -> Sequence[tuple[Vacancy, VacancyMatch]]:
    result = await session.execute(
        _MATCHES_FOR, {"candidate_id": candidate_id, "vacancy_ids": list(vacancy_ids)}
    )
    return [(row[0], row[1]) for row in result.all()]


# Built once (every vacancy email reads it).
_MATCHES_FOR = (
    select(Vacancy, VacancyMatch)
    .join(VacancyMatch, VacancyMatch.vacancy_id == Vacancy.id)
    .where(
        VacancyMatch.candidate_id == bindparam("candidate_id"),
        Vacancy.id.in_(bindparam("vacancy_ids", expanding=True)),
    )
    .order_by(Vacancy.created_at)
)


# A reply months after a vacancy message answers something else (a birthday wish).
REPLY_COUNTS_FOR_VACANCY = timedelta(days=30)


async def mark_replied(session: AsyncSession, candidate_id: uuid.UUID) -> None:
    """A reply soon after a vacancy message counts as a reply to that vacancy."""
    await session.execute(
        update(VacancyMatch)
        .where(
            VacancyMatch.candidate_id == candidate_id,
            VacancyMatch.status == MatchStatus.NOTIFIED,
            VacancyMatch.updated_at >= func.now() - REPLY_COUNTS_FOR_VACANCY,
        )
        .values(status=MatchStatus.REPLIED)
    )


async def list_vacancies(
    session: AsyncSession, *, status: str | None, limit: int
) -> Sequence[tuple[Vacancy, int, int, int]]:
    """Newest first, each with its matched, reached (notified or replied) and replied counts,
    counted in one grouped query."""
    reached = (MatchStatus.NOTIFIED, MatchStatus.REPLIED)
    query = (
        select(
            Vacancy,
            func.count(VacancyMatch.id),
            func.count(VacancyMatch.id).filter(VacancyMatch.status.in_(reached)),
            func.count(VacancyMatch.id).filter(VacancyMatch.status == MatchStatus.REPLIED),
        )
        .outerjoin(VacancyMatch, VacancyMatch.vacancy_id == Vacancy.id)
        .group_by(Vacancy.id)
        .order_by(Vacancy.created_at.desc(), Vacancy.id)
        .limit(limit)
    )
    if status:
        query = query.where(Vacancy.status == status)
    rows = await session.execute(query)
    return [(row[0], int(row[1]), int(row[2]), int(row[3])) for row in rows.all()]
