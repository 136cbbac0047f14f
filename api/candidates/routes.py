"""Candidates: enrol, import, list, read, update, plan, touch history, and what happens after."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from api.auth import ADMIN_ONLY, OWNER_WRITE, READ, WRITE, Principal, PrincipalDep
from api.candidates import imports, lifecycle, service
from api.candidates import status as candidate_status
from api.candidates.schemas import (
    CandidateCreate,
    CandidateDetail,
    CandidateOut,
    CandidatePage,
    CandidateUpdate,
    ImportReport,
    InteractionBody,
    InteractionOut,
    InvitationBody,
    InvitationOut,
    MetInPersonBody,
    OptOutBody,
    PlanOut,
    StageBody,
    TouchList,
)
from api.deps import (
    ReadSessionDep,
    SessionDep,
    SettingsDep,
    TemporalDep,
    cursor_or_422,
    id_or_404,
)
from api.fields import SingleLine
from api.imports import IMPORT_BODY
from rapport.db.models import Candidate
from rapport.vocabulary import EmailStatus, Stage

router = APIRouter(prefix="/api/candidates", tags=["candidates"])


async def load_candidate(
    session: SessionDep, candidate_id: str, principal: Principal | None = None
) -> Candidate:
    return await service.visible(session, id_or_404(candidate_id, "candidate"), principal)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": CandidateOut, "description": "Already enrolled: the existing one."}},
    dependencies=[WRITE],
)
async def enrol_candidate(
    body: CandidateCreate,
    response: Response,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
) -> CandidateOut:
    """Enrol one candidate and start their workflow; the same external_id returns the existing."""
    candidate, created = await service.enrol(session, temporal, settings, body)
    if not created:
        response.status_code = status.HTTP_200_OK
    return service.candidate_out(candidate)


@router.post(
    "/import",
    dependencies=[WRITE],
    openapi_extra=IMPORT_BODY,
)
async def import_candidates(
    request: Request, temporal: TemporalDep, settings: SettingsDep
) -> ImportReport:
    """Enrol many: a JSON list, a text/csv body, or a CSV file upload; a report per row."""
    return await imports.enrol_all(request, temporal, settings)


@router.get("", dependencies=[READ])
async def list_candidates(
    session: ReadSessionDep,
    principal: PrincipalDep,
    stage: Stage | None = None,
    email_status: EmailStatus | None = None,
    owner: Annotated[SingleLine | None, Query(max_length=320)] = None,
    text: Annotated[SingleLine | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> CandidatePage:
    """List candidates, oldest first, filtered by stage, email status (`bounced`, …), owner
    and text; `next_cursor` pages."""
    after = cursor_or_422(cursor)
    return await service.list_page(
        session,
        stage=stage.value if stage else None,
        owner=principal.owner_filter(owner),
        text=text,
        limit=limit,
        after=after,
        email_status=email_status.value if email_status else None,
    )


@router.get("/{candidate_id}", dependencies=[READ])
async def get_candidate(
    candidate_id: str,
    session: ReadSessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    live: Annotated[
        bool,
        Query(description="Ask the live workflow (wakes it) rather than read what it published."),
    ] = False,
) -> CandidateDetail:
    """The stored profile plus the stage and next touch the workflow published (see
    `status_source`); `?live=true` asks the workflow itself."""
    candidate = await service.visible(
        session,
        id_or_404(candidate_id, "candidate"),
        principal,
        with_status=not live,
        plan_state=False,
    )
    return await candidate_status.detail(session, temporal, settings, candidate, live=live)


@router.patch("/{candidate_id}", dependencies=[WRITE])
async def update_candidate(
    candidate_id: str,
    body: CandidateUpdate,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
) -> CandidateDetail:
    """Update the profile; the workflow re-plans with the new facts."""
    candidate = await load_candidate(session, candidate_id)
    candidate = await service.update_profile(session, temporal, candidate, body)
    # Just signalled: the workflow's own answer shows the change.
    return await candidate_status.detail(session, temporal, settings, candidate, live=True)


@router.get("/{candidate_id}/plan", dependencies=[READ])
async def get_plan(
    candidate_id: str,
    session: ReadSessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    days: Annotated[int, Query(ge=1, le=3660)] = 365,
    live: Annotated[
        bool,
        Query(description="Ask the live workflow (wakes it), not plan from what it published."),
    ] = False,
) -> PlanOut:
    """The touches the workflow would make in the next `days` under today's data, by its own
    planner from the state it published (`source`); `?live=true` asks the workflow itself."""
    candidate = await service.visible(
        session, id_or_404(candidate_id, "candidate"), principal, with_status=not live
    )
    items, source = await service.plan(session, temporal, settings, candidate, days, live=live)
    return PlanOut(items=items, source=source)


@router.get("/{candidate_id}/touches", dependencies=[READ])
async def get_touches(
    candidate_id: str, session: ReadSessionDep, principal: PrincipalDep
) -> TouchList:
    """Outreach history, newest first."""
    candidate = await load_candidate(session, candidate_id, principal)
    return TouchList(items=list(await service.touch_history(session, candidate)))


@router.post(
    "/{candidate_id}/interactions", status_code=status.HTTP_201_CREATED, dependencies=[OWNER_WRITE]
)
async def add_interaction(
    candidate_id: str,
    body: InteractionBody,
    session: SessionDep,
    temporal: TemporalDep,
    principal: PrincipalDep,
) -> InteractionOut:
    """Tell the workflow what happened: met in person (a thank-you follows) or replied."""
    candidate = await load_candidate(session, candidate_id, principal)
    if isinstance(body, MetInPersonBody):
        return await lifecycle.met_in_person(session, temporal, candidate, body)
    return await lifecycle.replied(session, temporal, candidate, body)


@router.post(
    "/{candidate_id}/invitations", status_code=status.HTTP_201_CREATED, dependencies=[WRITE]
)
async def invite(
    candidate_id: str, body: InvitationBody, session: SessionDep, temporal: TemporalDep
) -> InvitationOut:
    """Invite one candidate: marketing's webinar or event, or the CEO's invitation to connect."""
    candidate = await load_candidate(session, candidate_id)
    invitation = await lifecycle.invite(session, temporal, candidate, body)
    return InvitationOut.model_validate(invitation, from_attributes=True)


@router.post("/{candidate_id}/opt-out", dependencies=[WRITE])
async def opt_out(
    candidate_id: str,
    body: OptOutBody,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
) -> CandidateDetail:
    """Stop some channels (`{"channels": [...]}`) or everything (`{}`), at once."""
    candidate = await load_candidate(session, candidate_id)
    candidate = await lifecycle.opt_out(session, temporal, candidate, body)
    # Just signalled: the workflow's own answer shows the change.
    return await candidate_status.detail(session, temporal, settings, candidate, live=True)


@router.post("/{candidate_id}/stage", dependencies=[WRITE])
async def change_stage(
    candidate_id: str,
    body: StageBody,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
) -> CandidateDetail:
    """Pause, resume (`nurturing`), mark hired, or archive; hired and archived end outreach."""
    candidate = await load_candidate(session, candidate_id)
    service.still_open(candidate)
    candidate = await lifecycle.change_stage(session, temporal, candidate, body)
    # Just signalled: the workflow's own answer shows the change.
    return await candidate_status.detail(session, temporal, settings, candidate, live=True)


@router.delete("/{candidate_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=[ADMIN_ONLY])
async def erase(candidate_id: str, session: SessionDep, temporal: TemporalDep) -> None:
    """Erase: personal data deleted, workflow ended, an anonymous audit row kept."""
    candidate = await load_candidate(session, candidate_id)
    await lifecycle.erase(session, temporal, candidate)
