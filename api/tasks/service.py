"""Listing an owner's drafts and closing one: the task, its touch and the vacancies it named
change together, then the candidate's workflow is told."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from api.auth import Principal
from api.candidates.workflow import signal
from api.errors import Conflict, NotFound
from api.tasks.schemas import TaskCompletion, TaskOut
from rapport.contracts.candidate import TaskClosed
from rapport.db.models import Task
from rapport.db.repositories import candidates as candidate_repo
from rapport.db.repositories import inbound as inbound_repo
from rapport.db.repositories import tasks as task_repo
from rapport.db.repositories import touches as touch_repo
from rapport.db.repositories import vacancies as vacancy_repo
from rapport.vocabulary import Channel, MatchStatus, TaskKind, TaskStatus, TouchStatus
from workflows.candidate import CandidateWorkflow


async def task_out(session: AsyncSession, task: Task) -> TaskOut:
    out = TaskOut.model_validate(task, from_attributes=True)
    if task.channel == Channel.HANDWRITTEN_NOTE and task.status == TaskStatus.OPEN:
        # Read live, so an erased candidate's address is never kept in a task.
        candidate = await candidate_repo.get_candidate(session, task.candidate_id)
        if candidate is not None and candidate.postal_address:
            out.recipient = f"{candidate.full_name}\n{candidate.postal_address}"
    return out


async def inbox(
    session: AsyncSession, *, owner: str | None, status: TaskStatus | None, limit: int
) -> Sequence[TaskOut]:
    """Soonest deadline first."""
    tasks = await task_repo.list_tasks(
        session, owner=owner, status=status.value if status else None, limit=limit
    )
    return [await task_out(session, task) for task in tasks]


async def complete(
    session: AsyncSession,
    temporal: Client,
    principal: Principal,
    task_id: uuid.UUID,
    body: TaskCompletion,
) -> TaskOut:
    """Mark a draft `sent` (optionally with the text as sent) or `skipped`; once only."""
    task = await task_repo.get_task(session, task_id, lock=True)
    if task is None or not principal.holds(task.owner):
        raise NotFound("task not found")
    if task.status != TaskStatus.OPEN:
        raise Conflict(f"task is already {task.status}")
    if task.kind == TaskKind.CLASSIFY_REPLY:
        reply = await inbound_repo.get_inbound_by_task(session, task.id)
        where = f"/api/inbound/{reply.id}/classify" if reply else "/api/inbound/{id}/classify"
        raise Conflict(f"this task closes when its reply is classified: POST {where}")
    now = datetime.now(UTC)
    task.status = body.outcome
    task.completed_at = now
    task.final_text = body.text
    sent = body.outcome == "sent"
    reason = None if sent else f"skipped by {task.owner}: {body.reason or 'no reason given'}"
    await touch_repo.set_touch_outcome(
        session,
        task.id,
        status=TouchStatus.SENT.value if sent else TouchStatus.SKIPPED.value,
        reason=reason,
        sent_at=now if sent else None,
    )
    if not sent:
        # The vacancies this draft named were not reached after all.
        await vacancy_repo.draft_not_sent(session, task, status=MatchStatus.SKIPPED, reason=reason)
    await session.commit()
    candidate = await candidate_repo.get_candidate(session, task.candidate_id)
    if candidate is not None:
        await signal(
            temporal,
            candidate,
            CandidateWorkflow.task_closed,
            TaskClosed(task_id=str(task.id), outcome=TaskStatus(body.outcome)),
        )
    return await task_out(session, task)
