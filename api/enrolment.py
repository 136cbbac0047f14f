"""Enrolment and profile changes: the database row and the candidate's workflow move together."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from api.schemas import (
    CandidateCreate,
    CandidateDetail,
    CandidateOut,
    CandidateUpdate,
    Relationship,
    TouchPlan,
)
from rapport.contracts.candidate import (
    CandidateInput,
    CandidateStatus,
    PlanQuery,
    ProfileUpdated,
    StatusQuery,
)
from rapport.db import repository
from rapport.db.models import Candidate
from rapport.facts import facts_from_candidate, schedule_policy
from rapport.outreach import planning
from rapport.outreach.state import CandidateState, PlannedTouch
from rapport.public_holidays import with_library_holidays
from rapport.search_attributes import candidate_attributes
from rapport.settings import Settings
from rapport.vocabulary import Rapport, RelationshipOrigin, SenderRole, Stage
from workflows.candidate import CandidateWorkflow

# Stages whose workflow has ended on purpose and must not be started again.
CLOSED_STAGES = {Stage.ERASED, Stage.HIRED, Stage.ARCHIVED, Stage.OPTED_OUT}
STATUS_QUERY_TIMEOUT = timedelta(seconds=3)

Argument = TypeVar("Argument")


def workflow_id_for(candidate_id: uuid.UUID) -> str:
    return f"candidate-{candidate_id}"


def row_values(body: CandidateCreate | CandidateUpdate) -> dict[str, Any]:
    """Columns from a request body; only the fields the client actually sent."""
    data = body.model_dump(exclude_unset=True)
    if isinstance(body, CandidateCreate):
        # Its defaults count at enrolment: the columns behind it may not be null.
        data.setdefault("relationship", body.relationship.model_dump())
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name == "birthday":
            values.update(split_birthday(value))
        elif name == "relationship":
            relationship = Relationship.model_validate(value)
            values.update(
                relationship_origin=relationship.origin.value,
                rapport=relationship.rapport.value,
                relationship_since=relationship.since,
                owner=str(relationship.owner).lower() if relationship.owner else None,
                owner_role=relationship.owner_role.value,
            )
        elif name == "consent":
            values["consent"] = {
                str(channel): bool(flag) for channel, flag in (value or {}).items()
            }
        elif name in ("skills", "interests"):
            values[name] = list(dict.fromkeys(value or []))
        elif name == "email":
            values["email"] = str(value).lower() if value else None
        else:
            values[name] = value
    return values


def split_birthday(value: str | None) -> dict[str, int | None]:
    if not value:
        return {"birthday_year": None, "birthday_month": None, "birthday_day": None}
    parts = [int(part) for part in value.split("-")]
    year = parts[0] if len(parts) == 3 else None
    return {"birthday_year": year, "birthday_month": parts[-2], "birthday_day": parts[-1]}


def birthday_text(candidate: Candidate) -> str | None:
    if not (candidate.birthday_month and candidate.birthday_day):
        return None
    month_day = f"{candidate.birthday_month:02d}-{candidate.birthday_day:02d}"
    return f"{candidate.birthday_year:04d}-{month_day}" if candidate.birthday_year else month_day


def candidate_out(candidate: Candidate) -> CandidateOut:
    return CandidateOut(
        id=candidate.id,
        workflow_id=candidate.workflow_id,
        external_id=candidate.external_id,
        full_name=candidate.full_name,
        email=candidate.email,
        linkedin_url=candidate.linkedin_url,
        postal_address=candidate.postal_address,
        timezone=candidate.timezone,
        country=candidate.country,
        birthday=birthday_text(candidate),
        current_employer=candidate.current_employer,
        current_title=candidate.current_title,
        job_started_on=candidate.job_started_on,
        skills=list(candidate.skills or []),
        interests=list(candidate.interests or []),
        location=candidate.location,
        consent=dict(candidate.consent or {}),
        opt_outs=list(candidate.opt_outs or []),
        greetings_only=bool(candidate.greetings_only),
        relationship=Relationship(
            origin=RelationshipOrigin(candidate.relationship_origin),
            rapport=Rapport(candidate.rapport),
            since=candidate.relationship_since,
            owner=candidate.owner,
            owner_role=SenderRole(candidate.owner_role),
        ),
        stage=Stage(candidate.stage),
        created_at=candidate.created_at,
        updated_at=candidate.updated_at,
    )


def touch_plan(touch: PlannedTouch) -> TouchPlan:
    return TouchPlan.model_validate(
        {
            "occasion": touch.occasion,
            "channel": touch.channel,
            "sender_role": touch.sender_role,
            "due_at": touch.due_at,
            "reason": touch.reason,
            "status": "skip" if touch.skip else ("assisted" if touch.assisted else "automatic"),
            "sender": touch.sender,
        }
    )


def state_from_data(candidate: Candidate, settings: Settings) -> CandidateState:
    """The workflow's state as the stored data alone implies it (no history of touches)."""
    return CandidateState(
        facts=facts_from_candidate(candidate),
        policy=schedule_policy(settings),
        stage=Stage(candidate.stage),
    )


async def start_workflow(client: Client, settings: Settings, candidate: Candidate) -> None:
    """Start the candidate's workflow, or find it running; a closed one is never restarted."""
    now = datetime.now(UTC)
    # The holidays of its first plans come pinned in its input (the workflow fetches later
    # years itself), so it plans at once and its status shows the next touch right away.
    state = with_library_holidays(state_from_data(candidate, settings), now)
    first = planning.next_touch(state, now)
    enrolled_on = (candidate.created_at or datetime.now(UTC)).date().isoformat()
    # Its workflow may have run and closed: enrolment again must not revive it.
    with contextlib.suppress(WorkflowAlreadyStartedError):
        await client.start_workflow(
            CandidateWorkflow.run,
            CandidateInput(state=state),
            id=candidate.workflow_id,
            task_queue=settings.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            search_attributes=candidate_attributes(
                candidate.stage,
                candidate.owner,
                first.occasion if first else None,
                first.due_at if first else None,
            ),
            static_summary=f"candidate {candidate.id}",
            static_details=(
                f"origin {candidate.relationship_origin} · rapport {candidate.rapport} · "
                f"owner role {candidate.owner_role} · enrolled {enrolled_on}"
            ),
        )


async def enrol(
    session: AsyncSession, client: Client, settings: Settings, body: CandidateCreate
) -> tuple[Candidate, bool]:
    """Create the candidate and start its workflow; the same external_id returns the existing one.

    The row is flushed, the workflow started, and only then committed: if Temporal is down the
    transaction rolls back and nothing is half-written.
    """
    existing = await repository.get_candidate_by_external_id(session, body.external_id)
    if existing is not None:
        if existing.stage not in CLOSED_STAGES:
            await start_workflow(client, settings, existing)
        return existing, False

    candidate_id = uuid.uuid4()
    candidate = repository.add_candidate(
        session,
        id=candidate_id,
        workflow_id=workflow_id_for(candidate_id),
        external_id=body.external_id,
        full_name=body.full_name,
        timezone=body.timezone,
        country=body.country,
        stage=Stage.NURTURING.value,
        opt_outs=[],
        **{
            key: value
            for key, value in row_values(body).items()
            if key not in ("external_id", "full_name", "timezone", "country")
        },
    )
    try:
        await session.flush()
    except IntegrityError:
        # A concurrent request enrolled the same external_id first.
        await session.rollback()
        existing = await repository.get_candidate_by_external_id(session, body.external_id)
        if existing is None:
            raise
        return existing, False
    await session.refresh(candidate)
    await start_workflow(client, settings, candidate)
    await session.commit()
    return candidate, True


async def signal(
    client: Client,
    candidate: Candidate,
    handler: Callable[[CandidateWorkflow, Argument], None],
    argument: Argument,
) -> bool:
    """Signal the candidate's workflow by its handler (`CandidateWorkflow.replied`); False when
    the workflow has ended (its stage says why)."""
    handle = client.get_workflow_handle_for(CandidateWorkflow.run, candidate.workflow_id)
    try:
        await handle.signal(handler, argument)
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return False
        raise
    return True


async def update_profile(
    session: AsyncSession, client: Client, candidate: Candidate, body: CandidateUpdate
) -> Candidate:
    """Apply the change, commit, then tell the workflow to re-plan with the new facts."""
    for name, value in row_values(body).items():
        setattr(candidate, name, value)
    if candidate.full_name is None or candidate.timezone is None or candidate.country is None:
        raise ValueError("full_name, timezone and country cannot be cleared")
    await session.flush()
    await session.commit()
    await session.refresh(candidate)
    if candidate.stage not in CLOSED_STAGES:
        await signal(
            client,
            candidate,
            CandidateWorkflow.profile_updated,
            ProfileUpdated(facts=facts_from_candidate(candidate)),
        )
    return candidate


async def live_status(client: Client, candidate: Candidate) -> CandidateStatus | None:
    """Ask the workflow; None when it cannot answer quickly (no worker, server down)."""
    handle = client.get_workflow_handle_for(CandidateWorkflow.run, candidate.workflow_id)
    try:
        return await handle.query(
            CandidateWorkflow.status, StatusQuery(), rpc_timeout=STATUS_QUERY_TIMEOUT
        )
    except (RPCError, TimeoutError):
        return None


async def detail(client: Client, settings: Settings, candidate: Candidate) -> CandidateDetail:
    status = await live_status(client, candidate)
    out = candidate_out(candidate).model_dump()
    source: Literal["workflow", "plan"]
    if status is not None:
        out["stage"] = status.stage
        touch = status.next_touch
        source = "workflow"
    else:
        now = datetime.now(UTC)
        state = with_library_holidays(state_from_data(candidate, settings), now)
        touch = planning.next_touch(state, now)
        source = "plan"
    return CandidateDetail(
        **out, next_touch=touch_plan(touch) if touch else None, status_source=source
    )


async def plan(
    client: Client, settings: Settings, candidate: Candidate, days: int
) -> list[TouchPlan]:
    """The touches the workflow would make in the next `days`, by the workflow's own planner."""
    handle = client.get_workflow_handle_for(CandidateWorkflow.run, candidate.workflow_id)
    try:
        answer = await handle.query(
            CandidateWorkflow.plan, PlanQuery(days=days), rpc_timeout=STATUS_QUERY_TIMEOUT
        )
        touches = answer.items
    except (RPCError, TimeoutError):
        now = datetime.now(UTC)
        horizon = timedelta(days=days)
        state = with_library_holidays(state_from_data(candidate, settings), now, horizon)
        touches = planning.plan(state, now, horizon)
    return [touch_plan(touch) for touch in touches]
