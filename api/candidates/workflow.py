"""The candidate's workflow, as the API meets it: start it, signal it, ask it its status, and
its plan: drawn from the state it published, else asked of it (with the stored data's own plan
when it cannot answer quickly)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Literal, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from rapport import plan_state
from rapport.contracts.candidate import CandidateInput, CandidateStatus, PlanQuery, StatusQuery
from rapport.contracts.status import StatusToStore
from rapport.db.models import Candidate, PublishedStatus
from rapport.db.repositories import statuses as status_repo
from rapport.facts import facts_from_candidate, schedule_policy
from rapport.outreach import planning
from rapport.outreach.state import CandidateState, PlannedTouch
from rapport.public_holidays import with_library_holidays
from rapport.search_attributes import candidate_attributes
from rapport.settings import Settings
from rapport.vocabulary import Stage
from workflows import versions
from workflows.candidate import CandidateWorkflow

# Stages whose workflow has ended on purpose and must not be started again.
CLOSED_STAGES = {Stage.ERASED, Stage.HIRED, Stage.ARCHIVED, Stage.OPTED_OUT}
STATUS_QUERY_TIMEOUT = timedelta(seconds=3)
# A stored status is replaced only by one published later (by the workflow's clock). The one
# an enrolment stores is older than anything the workflow will publish, whatever the clocks of
# the API's host and Temporal's say.
ENROLMENT_PUBLISHED_AT = datetime(1970, 1, 1, tzinfo=UTC)

Argument = TypeVar("Argument")
# Where a plan's state came from: what the workflow published with its status (its state as
# of its last change, planned here by its own planner), the live workflow (asked: it wakes), or
# the stored data alone (neither answered).
PlanSource = Literal["published", "workflow", "plan"]


def workflow_id_for(candidate_id: uuid.UUID) -> str:
    return f"candidate-{candidate_id}"


def state_from_data(candidate: Candidate, settings: Settings) -> CandidateState:
    """The workflow's state as the stored data alone implies it (no history of touches)."""
    return CandidateState(
        facts=facts_from_candidate(candidate),
        policy=schedule_policy(settings),
        stage=Stage(candidate.stage),
    )


async def start_workflow(
    client: Client,
    settings: Settings,
    candidate: Candidate,
    new_in: AsyncSession | None = None,
) -> None:
    """Start the candidate's workflow, or find it running; a closed one is never restarted.

    `new_in`: the enrolment's transaction of a candidate just created, in which their first
    status is stored, so that the workflow need not store it in its first task (and the API
    shows it at once). Never for a candidate whose workflow may be running: its status is
    newer than anything the stored data implies."""
    now = datetime.now(UTC)
    # The holidays of its first plans come pinned in its input (the workflow fetches later
    # years itself), so it plans at once and its status shows the next touch right away.
    state = with_library_holidays(state_from_data(candidate, settings), now)
    # It begins at the workflow code's version: it takes every change so far without markers.
    state.code_version = versions.CODE_VERSION
    first = planning.next_touch(state, now)
    state.next_touch = first
    if new_in is not None:
        await status_repo.store_published(
            new_in,
            StatusToStore(
                candidate_id=str(candidate.id),
                stage=state.stage,
                next_touch=first,
                published_at=ENROLMENT_PUBLISHED_AT,
                plan_state=plan_state.to_text(state),
            ),
        )
    enrolled_on = (candidate.created_at or datetime.now(UTC)).date().isoformat()
    # Its workflow may have run and closed: enrolment again must not revive it.
    with contextlib.suppress(WorkflowAlreadyStartedError):
        await client.start_workflow(
            CandidateWorkflow.run,
            CandidateInput(state=state, status_stored=new_in is not None),
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


async def live_status(client: Client, candidate: Candidate) -> CandidateStatus | None:
    """Ask the workflow; None when it cannot answer quickly (no worker, server down)."""
    handle = client.get_workflow_handle_for(CandidateWorkflow.run, candidate.workflow_id)
    try:
        return await handle.query(
            CandidateWorkflow.status, StatusQuery(), rpc_timeout=STATUS_QUERY_TIMEOUT
        )
    except (RPCError, TimeoutError):
        return None


def next_from_data(candidate: Candidate, settings: Settings) -> PlannedTouch | None:
    """The next touch the stored data implies, when the workflow cannot say."""
    now = datetime.now(UTC)
    state = with_library_holidays(state_from_data(candidate, settings), now)
    return planning.next_touch(state, now)


async def planned(
    client: Client,
    settings: Settings,
    candidate: Candidate,
    days: int,
    published: PublishedStatus | None = None,
    *,
    live: bool = False,
) -> tuple[list[PlannedTouch], PlanSource]:
    """The touches the workflow would make in the next `days`, by the workflow's own planner,
    and where its state came from (see PlanSource)."""
    now = datetime.now(UTC)
    horizon = timedelta(days=days)
    if (
        not live
        and published is not None
        and published.plan_state is not None
        # As for the status: a stage the API changed since is one the workflow has yet to hear.
        and published.stage == candidate.stage
    ):
        state = plan_state.from_json(published.plan_state)
        return planning.plan(with_library_holidays(state, now, horizon), now, horizon), "published"
    handle = client.get_workflow_handle_for(CandidateWorkflow.run, candidate.workflow_id)
    try:
        answer = await handle.query(
            CandidateWorkflow.plan, PlanQuery(days=days), rpc_timeout=STATUS_QUERY_TIMEOUT
        )
        return list(answer.items), "workflow"
    except (RPCError, TimeoutError):
        state = with_library_holidays(state_from_data(candidate, settings), now, horizon)
        return list(planning.plan(state, now, horizon)), "plan"
