"""Tasks: the drafts a person sends by hand (LinkedIn, a handwritten note), and follow-ups."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from rapport.db.models import Task, TaskVacancy, Vacancy
from rapport.db.repositories.base import Lookup, add, find_one

get_task = Lookup(Task).by_id


async def get_task_by_key(session: AsyncSession, idempotency_key: str) -> Task | None:
    return await find_one(session, Task, Task.idempotency_key == idempotency_key)


def add_task(session: AsyncSession, **values: Any) -> Task:
    return add(session, Task, **values)


async def link_vacancies(
    session: AsyncSession, task: Task, vacancy_ids: Sequence[uuid.UUID]
) -> None:
    """Record the vacancies a draft names (those that exist; again: nothing new)."""
    if not vacancy_ids:
        return
    await session.flush()
    named = select(literal(task.id), Vacancy.id).where(Vacancy.id.in_(vacancy_ids))
    await session.execute(
        insert(TaskVacancy)
        .from_select([TaskVacancy.task_id, TaskVacancy.vacancy_id], named)
        .on_conflict_do_nothing()
    )


async def list_tasks(
    session: AsyncSession, *, owner: str | None, status: str | None, limit: int
) -> Sequence[Task]:
    query = select(Task).order_by(Task.due_at, Task.id).limit(limit)
    if owner:
        query = query.where(func.lower(Task.owner) == owner.lower())
    if status:
        query = query.where(Task.status == status)
    return (await session.execute(query)).scalars().all()
