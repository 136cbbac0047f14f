"""For operators: find overdue and waiting workflows, re-drive a stuck one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import EmailStr

from api.auth import READ_ALL, WRITE
from api.candidates import service as candidates
from api.deps import SessionDep, TemporalDep, id_or_404
from api.mailboxes import service as mailboxes
from api.mailboxes.schemas import MailboxHealthRows
from api.ops import service
from api.ops.schemas import WorkflowRows

router = APIRouter(prefix="/api/ops", tags=["ops"])


@router.get("/overdue", dependencies=[READ_ALL])
async def overdue(
    temporal: TemporalDep,
    grace_minutes: Annotated[int, Query(ge=0, le=10080)] = 15,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> WorkflowRows:
    """Running candidate workflows whose next touch is past due: their worker may be down,
    or they are stuck; `POST /api/ops/candidates/{id}/replan` re-drives one."""
    return await service.overdue(temporal, grace_minutes=grace_minutes, limit=limit)


@router.get("/waiting", dependencies=[READ_ALL])
async def waiting(
    temporal: TemporalDep,
    owner: Annotated[EmailStr | None, Query(max_length=320)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> WorkflowRows:
    """Candidates waiting on a person (an assisted draft), and for how long."""
    return await service.waiting(temporal, owner=owner, limit=limit)


@router.post("/candidates/{candidate_id}/replan", dependencies=[WRITE])
async def replan(candidate_id: str, session: SessionDep, temporal: TemporalDep) -> dict[str, Any]:
    """Send the workflow today's data again, so it re-plans from scratch."""
    candidate = await candidates.visible(session, id_or_404(candidate_id, "candidate"))
    return await service.replan(temporal, candidate)


@router.get("/mailboxes", dependencies=[READ_ALL])
async def mailbox_health(session: SessionDep) -> MailboxHealthRows:
    """Each connected mailbox's health (`ok`, `login_failed`, `unreachable`, `new`), last
    read, last error and failures in a row; `query` finds the failing ones in the Temporal UI."""
    return await mailboxes.health(session)
