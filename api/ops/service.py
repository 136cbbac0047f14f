"""Candidate workflows found by their search attributes, and re-driving one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio.client import Client

from api.candidates.workflow import signal
from api.errors import Conflict, Invalid
from api.ops.schemas import WorkflowRow, WorkflowRows
from rapport import search_attributes as sa
from rapport.contracts.candidate import ProfileUpdated
from rapport.db.models import Candidate
from rapport.facts import facts_from_candidate
from workflows.candidate import CandidateWorkflow


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


async def overdue(client: Client, *, grace_minutes: int, limit: int) -> WorkflowRows:
    """Running candidate workflows whose next touch is more than `grace_minutes` past due."""
    now = datetime.now(UTC)
    cutoff = (now - timedelta(minutes=grace_minutes)).isoformat().replace("+00:00", "Z")
    query = (
        f"WorkflowType = 'CandidateWorkflow' AND ExecutionStatus = 'Running' "
        f"AND NextTouchAt < '{cutoff}'"
    )
    found = await rows(client, query, limit)
    for row in found:
        row.late_by_minutes = since(row.next_touch_at, now)
    return WorkflowRows(query=query, items=found)


async def waiting(client: Client, *, owner: str | None, limit: int) -> WorkflowRows:
    """Candidates waiting on a person (`owner`, or anyone), longest wait first."""
    query = "WorkflowType = 'CandidateWorkflow' AND ExecutionStatus = 'Running' AND "
    query += f"AwaitingOwner = {literal(owner.lower())}" if owner else "AwaitingOwner IS NOT NULL"
    now = datetime.now(UTC)
    found = await rows(client, query, limit)
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
    raise Invalid("owner", "holds both kinds of quote")


async def replan(client: Client, candidate: Candidate) -> dict[str, Any]:
    """Send the workflow today's data again, so it re-plans from scratch."""
    reached = await signal(
        client,
        candidate,
        CandidateWorkflow.profile_updated,
        ProfileUpdated(facts=facts_from_candidate(candidate)),
    )
    if not reached:
        raise Conflict("its workflow has ended")
    return {"workflow_id": candidate.workflow_id, "signalled": "profile_updated"}
