"""Enrolment and profile changes: the database row and the candidate's workflow move together.

Also what reading a candidate takes: who may see them, their profile as the API shows it, the
workflow's plan, their outreach history (their stage and next touch: api.candidates.status).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from api.auth import Principal
from api.candidates.schemas import (
    CandidateCreate,
    CandidateOut,
    CandidatePage,
    CandidateUpdate,
    Relationship,
    TouchOut,
    TouchPlan,
)
from api.candidates.workflow import (
    CLOSED_STAGES,
    PlanSource,
    planned,
    signal,
    start_workflow,
    workflow_id_for,
)
from api.create_then_start import create_then_start
from api.errors import Conflict, NotFound
from rapport.contracts.candidate import ProfileUpdated
from rapport.db.models import Candidate
from rapport.db.repositories import candidates as candidate_repo
from rapport.db.repositories import statuses as status_repo
from rapport.db.repositories import touches as touch_repo
from rapport.facts import facts_from_candidate
from rapport.outreach.state import PlannedTouch
from rapport.settings import Settings
from rapport.vocabulary import EmailStatus, Rapport, RelationshipOrigin, SenderRole, Stage
from workflows.candidate import CandidateWorkflow


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
        language=candidate.language,
        consent=dict(candidate.consent or {}),
        opt_outs=list(candidate.opt_outs or []),
        greetings_only=bool(candidate.greetings_only),
        email_status=EmailStatus(candidate.email_status or EmailStatus.UNKNOWN),
        email_status_reason=candidate.email_status_reason,
        soft_bounces=candidate.soft_bounces or 0,
        # Built without validation: the stored owner was validated when written, and checking
        # it again (email_validator) took a third of the list's time, for every row.
        relationship=Relationship.model_construct(
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


async def visible(
    session: AsyncSession,
    candidate_id: uuid.UUID,
    principal: Principal | None = None,
    *,
    with_status: bool = False,
    plan_state: bool = True,
) -> Candidate:
    """The candidate, unless erased or (for an owner) held by someone else; `with_status`:
    their published status read in the same query, for a caller that shows it next (without
    the planner's state unless `plan_state`: only a plan is drawn from it)."""
    if with_status:
        candidate = await candidate_repo.get_candidate_and_status(
            session, candidate_id, plan_state=plan_state
        )
    else:
        candidate = await candidate_repo.get_candidate(session, candidate_id)
    if candidate is None or candidate.stage == Stage.ERASED:
        raise NotFound("candidate not found")
    if principal is not None and not principal.holds(candidate.owner):
        # Not 403: an owner learns nothing about candidates that are not theirs.
        raise NotFound("candidate not found")
    return candidate


async def enrol(
    session: AsyncSession, client: Client, settings: Settings, body: CandidateCreate
) -> tuple[Candidate, bool]:
    """Create the candidate and start its workflow; the same external_id returns the existing one
    (whose workflow is started again if it should be running and is not)."""

    async def find() -> Candidate | None:
        return await candidate_repo.get_candidate_by_external_id(session, body.external_id)

    def create() -> Candidate:
        candidate_id = uuid.uuid4()
        return candidate_repo.add_candidate(
            session,
            id=candidate_id,
            workflow_id=workflow_id_for(candidate_id),
            stage=Stage.NURTURING.value,
            opt_outs=[],
            **row_values(body),
        )

    async def start(candidate: Candidate) -> None:
        await start_workflow(client, settings, candidate, new_in=session)

    async def restart_unless_closed(existing: Candidate) -> None:
        if existing.stage not in CLOSED_STAGES:
            await start_workflow(client, settings, existing)

    return await create_then_start(
        session, find=find, create=create, start=start, found=restart_unless_closed
    )


async def list_page(
    session: AsyncSession,
    *,
    stage: str | None,
    owner: str | None,
    text: str | None,
    limit: int,
    after: uuid.UUID | None,
    email_status: str | None = None,
) -> CandidatePage:
    """Oldest first, filtered; `next_cursor` names the last one shown when there are more."""
    where = candidate_repo.CandidateFilter(
        stage=stage, owner=owner, text=text, email_status=email_status
    )
    page = await candidate_repo.list_candidates(session, where, limit=limit, after=after)
    return CandidatePage(
        items=[candidate_out(candidate) for candidate in page.items],
        next_cursor=page.next_cursor,
    )


async def update_profile(
    session: AsyncSession, client: Client, candidate: Candidate, body: CandidateUpdate
) -> Candidate:
    """Apply the change, commit, then tell the workflow to re-plan with the new facts.

    A new email address starts afresh: its status `unknown`, no soft bounces counted."""
    values = row_values(body)
    if "email" in values and values["email"] != candidate.email:
        values.update(email_status=EmailStatus.UNKNOWN.value, email_status_reason=None)
        values["soft_bounces"] = 0
    for name, value in values.items():
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


def still_open(candidate: Candidate) -> None:
    """A stage may change only while outreach goes on."""
    if candidate.stage in CLOSED_STAGES:
        raise Conflict(f"candidate is {candidate.stage}; outreach has ended")


async def plan(
    session: AsyncSession,
    client: Client,
    settings: Settings,
    candidate: Candidate,
    days: int,
    *,
    live: bool = False,
) -> tuple[list[TouchPlan], PlanSource]:
    """The touches the workflow would make in the next `days`, by the workflow's own planner
    from the state it published (without waking it), or asked of it when `live`."""
    published = await status_repo.get_status(session, candidate.id)
    touches, source = await planned(client, settings, candidate, days, published, live=live)
    return [touch_plan(touch) for touch in touches], source


async def touch_history(session: AsyncSession, candidate: Candidate) -> Sequence[TouchOut]:
    """Outreach history, newest first."""
    touches = await touch_repo.list_touches(session, candidate.id)
    return [TouchOut.model_validate(touch, from_attributes=True) for touch in touches]
