"""The assisted-send inbox: drafts a person sends on LinkedIn or by hand, then marks done."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.auth import OWNER_WRITE, READ, PrincipalDep
from api.deps import SessionDep, TemporalDep, id_or_404
from api.fields import SingleLine
from api.tasks import service
from api.tasks.schemas import TaskCompletion, TaskList, TaskOut
from rapport.vocabulary import TaskStatus

router = APIRouter(prefix="/api/tasks", tags=["tasks"])


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
    return TaskList(
        items=list(await service.inbox(session, owner=owner, status=status, limit=limit))
    )


@router.post("/{task_id}/complete", dependencies=[OWNER_WRITE])
async def complete_task(
    task_id: str,
    body: TaskCompletion,
    session: SessionDep,
    temporal: TemporalDep,
    principal: PrincipalDep,
) -> TaskOut:
    """Mark a draft `sent` (optionally with the text as sent) or `skipped`; 409 once closed."""
    return await service.complete(session, temporal, principal, id_or_404(task_id, "task"), body)
