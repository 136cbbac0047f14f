"""For operators: re-drive a stuck workflow, find overdue and waiting workflows, and sign in
the browser so the Temporal Web UI can decode payloads through the codec endpoint."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Query, status
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, EmailStr
from temporalio.client import Client

from api.auth import COOKIE, READ_ALL, WRITE
from api.deps import SessionDep, TemporalDep
from api.enrolment import signal
from api.routers.candidates import load_candidate
from rapport import keys
from rapport import search_attributes as sa
from rapport.contracts.candidate import ProfileUpdated
from rapport.facts import facts_from_candidate
from workflows.candidate import CandidateWorkflow

router = APIRouter(prefix="/api/ops", tags=["ops"])
pages = APIRouter(prefix="/ops", tags=["ops"], include_in_schema=False)


class WorkflowRow(BaseModel):
    workflow_id: str
    stage: str | None
    next_occasion: str | None
    next_touch_at: datetime | None
    owner: str | None
    awaiting_owner: str | None
    awaiting_since: datetime | None
    late_by_minutes: int | None = None
    waiting_minutes: int | None = None


class WorkflowRows(BaseModel):
    query: str
    items: list[WorkflowRow]


async def rows(client: Client, query: str, limit: int) -> list[WorkflowRow]:
    found = []
    async for execution in client.list_workflows(query, limit=limit):
        attributes = execution.typed_search_attributes
        found.append(
            WorkflowRow(
                workflow_id=execution.id,
                stage=attributes.get(sa.CANDIDATE_STAGE),
                next_occasion=attributes.get(sa.NEXT_OCCASION),
                next_touch_at=attributes.get(sa.NEXT_TOUCH_AT),
                owner=attributes.get(sa.RELATIONSHIP_OWNER),
                awaiting_owner=attributes.get(sa.AWAITING_OWNER),
                awaiting_since=attributes.get(sa.AWAITING_SINCE),
            )
        )
    return found


def since(moment: datetime | None, now: datetime) -> int | None:
    return int((now - moment).total_seconds() // 60) if moment else None


@router.get("/overdue", dependencies=[READ_ALL])
async def overdue(
    temporal: TemporalDep,
    grace_minutes: Annotated[int, Query(ge=0, le=10080)] = 15,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> WorkflowRows:
    """Running candidate workflows whose next touch is past due: their worker may be down,
    or they are stuck; `POST /api/ops/candidates/{id}/replan` re-drives one."""
    now = datetime.now(UTC)
    cutoff = (now - timedelta(minutes=grace_minutes)).isoformat().replace("+00:00", "Z")
    query = (
        f"WorkflowType = 'CandidateWorkflow' AND ExecutionStatus = 'Running' "
        f"AND NextTouchAt < '{cutoff}'"
    )
    found = await rows(temporal, query, limit)
    for row in found:
        row.late_by_minutes = since(row.next_touch_at, now)
    return WorkflowRows(query=query, items=found)


@router.get("/waiting", dependencies=[READ_ALL])
async def waiting(
    temporal: TemporalDep,
    owner: Annotated[EmailStr | None, Query(max_length=320)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> WorkflowRows:
    """Candidates waiting on a person (an assisted draft), and for how long."""
    query = "WorkflowType = 'CandidateWorkflow' AND ExecutionStatus = 'Running' AND "
    query += f"AwaitingOwner = {literal(owner.lower())}" if owner else "AwaitingOwner IS NOT NULL"
    now = datetime.now(UTC)
    found = await rows(temporal, query, limit)
    for row in found:
        row.waiting_minutes = since(row.awaiting_since, now)
    found.sort(key=lambda row: row.waiting_minutes or 0, reverse=True)
    return WorkflowRows(query=query, items=found)


def literal(value: str) -> str:
    """A string in a visibility query; an email may hold a quote (o'brien@…), not both kinds."""
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    raise HTTPException(422, [{"field": "owner", "message": "holds both kinds of quote"}])


@router.post("/candidates/{candidate_id}/replan", dependencies=[WRITE])
async def replan(candidate_id: str, session: SessionDep, temporal: TemporalDep) -> dict[str, Any]:
    """Send the workflow today's data again, so it re-plans from scratch."""
    candidate = await load_candidate(session, candidate_id)
    reached = await signal(
        temporal,
        candidate,
        CandidateWorkflow.profile_updated,
        ProfileUpdated(facts=facts_from_candidate(candidate)),
    )
    if not reached:
        raise HTTPException(status.HTTP_409_CONFLICT, "its workflow has ended")
    return {"workflow_id": candidate.workflow_id, "signalled": "profile_updated"}


LOGIN_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Rapport</title>
</head><body style="font-family: sans-serif; max-width: 34rem; margin: 3rem auto">
<h1>Operator sign-in</h1><p>{message}</p>
<form method="post"><label>API key <input name="key" type="password" size="50" required></label>
<button type="submit">Sign in</button></form>
<p>Signed in, the Temporal Web UI decodes payloads through <code>/codec</code> (in the UI's
codec settings, turn on <em>Include cross-origin credentials</em>).</p></body></html>"""


@pages.get("/login", response_class=HTMLResponse)
async def login_page() -> HTMLResponse:
    return HTMLResponse(LOGIN_PAGE.format(message="Paste an admin, hr or viewer key."))


@pages.post("/login", response_class=HTMLResponse)
async def login(key: Annotated[str, Form(max_length=200)], session: SessionDep) -> HTMLResponse:
    record = await keys.find(session, key)
    if record is None or record.role == "owner":
        return HTMLResponse(
            LOGIN_PAGE.format(message="That key is unknown, revoked, or not an operator's."),
            status_code=status.HTTP_401_UNAUTHORIZED,
        )
    response = HTMLResponse(
        LOGIN_PAGE.format(message=f"Signed in as {html.escape(record.name)} ({record.role}).")
    )
    # Same site as the UI (127.0.0.1, another port), so Lax is sent on its codec calls.
    response.set_cookie(COOKIE, key, httponly=True, samesite="lax", max_age=8 * 3600)
    return response
