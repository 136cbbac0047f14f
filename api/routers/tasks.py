"""The assisted-send inbox: drafts a person sends on LinkedIn or by hand, then marks done."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from api.auth import OWNER_WRITE, READ, PrincipalDep
from api.deps import SessionDep, TemporalDep, id_or_404
from api.enrolment import signal
from api.schemas import SingleLine, TaskCompletion, TaskList, TaskOut
from rapport.contracts.candidate import TaskClosed
from rapport.db import repository
from rapport.db.models import Task
from rapport.vocabulary import Channel, TaskStatus, TouchStatus
from workflows.candidate import CandidateWorkflow

router = APIRouter(prefix="/api/tasks", tags=["tasks"])


async def task_out(session: SessionDep, task: Task) -> TaskOut:
    out = TaskOut.model_validate(task, from_attributes=True)
    if task.channel == Channel.HANDWRITTEN_NOTE and task.status == TaskStatus.OPEN:
        # Read live, so an erased candidate's address is never kept in a task.
        candidate = await repository.get_candidate(session, task.candidate_id)
        if candidate is not None and candidate.postal_address:
            out.recipient = f"{candidate.full_name}\n{candidate.postal_address}"
    return out


@router.get("", dependencies=[READ])
async def list_tasks(
    session: SessionDep,
    principal: PrincipalDep,
    owner: Annotated[SingleLine | None, Query(max_length=320)] = None,
    status: Annotated[TaskStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> TaskList:
    """An owner's inbox (`?owner=jane@…`), soonest deadline first; `status=open` for to-dos."""
    owner = principal.owner_filter(owner)
    tasks = await repository.list_tasks(
        session, owner=owner, status=status.value if status else None, limit=limit
    )
    return TaskList(items=[await task_out(session, task) for task in tasks])


@router.post("/{task_id}/complete", dependencies=[OWNER_WRITE])
async def complete_task(
    task_id: str,
    body: TaskCompletion,
    session: SessionDep,
    temporal: TemporalDep,
    principal: PrincipalDep,
) -> TaskOut:
    """Mark a draft `sent` (optionally with the text as sent) or `skipped`; 409 once closed."""
    task = await repository.get_task(session, id_or_404(task_id, "task"), lock=True)
    if task is None or not principal.holds(task.owner):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "task not found")
    if task.status != TaskStatus.OPEN:
        raise HTTPException(status.HTTP_409_CONFLICT, f"task is already {task.status}")
    now = datetime.now(UTC)
    task.status = body.outcome
    task.completed_at = now
    task.final_text = body.text
    sent = body.outcome == "sent"
    reason = None if sent else f"skipped by {task.owner}: {body.reason or 'no reason given'}"
    await repository.set_touch_outcome(
        session,
        task.id,
        status=TouchStatus.SENT.value if sent else TouchStatus.SKIPPED.value,
        reason=reason,
        sent_at=now if sent else None,
    )
    if not sent:
        # The vacancies this draft named were not reached after all.
        await repository.draft_not_sent(session, task, status="skipped", reason=reason)
    await session.commit()
    candidate = await repository.get_candidate(session, task.candidate_id)
    if candidate is not None:
        await signal(
            temporal,
            candidate,
            CandidateWorkflow.task_closed,
            TaskClosed(task_id=str(task.id), outcome=TaskStatus(body.outcome)),
        )
    return await task_out(session, task)
