"""Candidates: the searchable list (PostgreSQL only, never a workflow), one candidate's page
with what happened and what will happen, and its actions (pause, resume, opt out), which call
the API's own services."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import RedirectResponse

from api.app import service as pages
from api.app.access import PostedByWriter, Viewer
from api.app.render import error_page, page
from api.app.session import PATH
from api.auth import ADMIN, HR, OWNER, Principal
from api.candidates import lifecycle
from api.candidates import service as candidates
from api.candidates import status as candidate_status
from api.candidates.schemas import OptOutBody, StageBody
from api.deps import SessionDep, SettingsDep, TemporalDep, id_or_404
from rapport.db.models import Candidate
from rapport.vocabulary import (
    Channel,
    EmailStatus,
    InvitationKind,
    Rapport,
    RelationshipOrigin,
    Stage,
)

router = APIRouter(prefix="/candidates")
PLAN_DAYS = 365
# What a finished action says on the page it returns to: fixed texts, never echoed input.
DONE = {
    "paused": "Outreach is paused. Nothing goes out until you resume it.",
    "resumed": "Outreach has resumed; the workflow re-planned.",
    "opted_out": "Opted out. The workflow stopped those channels at once.",
    "enrolled": "Enrolled. Their workflow has started and planned what follows.",
    "existing": "Already enrolled under that external id: this is the candidate as enrolled.",
    "email": "Email address changed: its status starts again as unknown.",
    "met": "Meeting recorded. The workflow plans the thank-you from the next day.",
    "invited": "Invitation recorded. The workflow plans the message that carries it.",
    "classified": "Reply classified. The workflow has moved on.",
    "erased": "Erased: their personal data is deleted and their workflow ended.",
}
LISTED_STAGES = [stage for stage in Stage if stage != Stage.ERASED]


def choice(value: str | None, words: type[StrEnum]) -> str | None:
    """A filter's value if it is one of the vocabulary's words; anything else filters nothing."""
    return value if value in {word.value for word in words} else None


def text_filter(value: str | None, limit: int = 200) -> str | None:
    cleaned = " ".join((value or "").split())[:limit]
    return cleaned or None


def can_write(principal: Principal) -> bool:
    return principal.role in (ADMIN, HR)


@router.get("")
async def candidate_list(
    request: Request,
    principal: Viewer,
    session: SessionDep,
    stage: str | None = None,
    owner: str | None = None,
    origin: str | None = None,
    rapport: str | None = None,
    skill: str | None = None,
    text: str | None = None,
    email_status: str | None = None,
    after: str | None = None,
    done: str | None = None,
) -> Response:
    where = pages.CandidateSearch(
        stage=choice(stage, Stage),
        owner=text_filter(owner, 320),
        origin=choice(origin, RelationshipOrigin),
        rapport=choice(rapport, Rapport),
        skill=text_filter(skill, 100),
        text=text_filter(text),
        email_status=choice(email_status, EmailStatus),
    )
    try:
        anchor = uuid.UUID(after) if after else None
    except ValueError:
        anchor = None
    found = await pages.search(session, principal, where, anchor)
    filters = {
        "stage": where.stage or "",
        "owner": where.owner or "",
        "origin": where.origin or "",
        "rapport": where.rapport or "",
        "skill": where.skill or "",
        "text": where.text or "",
        "email_status": where.email_status or "",
    }
    context: dict[str, Any] = {
        "title": "Candidates",
        "found": found,
        "filters": filters,
        "query": {name: value for name, value in filters.items() if value},
        "paged": anchor is not None,
        "stages": LISTED_STAGES,
        "origins": list(RelationshipOrigin),
        "rapports": list(Rapport),
        "email_statuses": list(EmailStatus),
        "can_write": can_write(principal),
        "done": DONE.get(done or ""),
    }
    return page(request, "candidates.html", context)


async def load(session: SessionDep, candidate_id: str, principal: Principal) -> Candidate:
    """The candidate, or 404: an owner learns nothing of candidates that are not theirs."""
    return await candidates.visible(session, id_or_404(candidate_id, "candidate"), principal)


@router.get("/{candidate_id}")
async def candidate_page(
    request: Request,
    candidate_id: str,
    principal: Viewer,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
    done: str | None = None,
) -> Response:
    candidate = await candidates.visible(
        session, id_or_404(candidate_id, "candidate"), principal, with_status=True
    )
    return await show(request, session, temporal, settings, candidate, principal, done=done)


async def show(
    request: Request,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
    candidate: Candidate,
    principal: Principal,
    *,
    done: str | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    """The candidate's page; with `errors`, a refused action's messages beside its form (422)."""
    detail = await candidate_status.detail(session, temporal, settings, candidate)
    # From the state the workflow published: drawing the page never wakes it.
    plan, _ = await candidates.plan(session, temporal, settings, candidate, PLAN_DAYS)
    touches = await candidates.touch_history(session, candidate)
    workflow_url = (
        f"{settings.temporal_ui_base}/namespaces/{settings.temporal_namespace}"
        f"/workflows/{candidate.workflow_id}"
    )
    context: dict[str, Any] = {
        "title": detail.full_name,
        "c": detail,
        "plan": plan,
        "plan_days": PLAN_DAYS,
        "touches": touches,
        "interactions": await pages.interactions(session, candidate.id),
        "replies": await pages.replies(session, principal, candidate_id=candidate.id),
        "workflow_url": workflow_url,
        "channels": list(Channel),
        "invitation_kinds": list(InvitationKind),
        "rapports": list(Rapport),
        "can_write": can_write(principal),
        "is_admin": principal.role == ADMIN,
        "can_meet": can_write(principal) or principal.role == OWNER,
        "closed": candidate.stage in (Stage.OPTED_OUT, Stage.HIRED, Stage.ARCHIVED),
        "done": DONE.get(done or ""),
        "errors": errors or {},
        "values": values or {},
    }
    status_code = status.HTTP_422_UNPROCESSABLE_CONTENT if errors else 200
    return page(request, "candidate.html", context, status_code=status_code)


def back_to(candidate: Candidate, done: str) -> Response:
    return RedirectResponse(
        f"{PATH}/candidates/{candidate.id}?done={done}", status_code=status.HTTP_303_SEE_OTHER
    )


@router.post("/{candidate_id}/stage")
async def change_stage(
    request: Request,
    candidate_id: str,
    principal: PostedByWriter,
    session: SessionDep,
    temporal: TemporalDep,
) -> Response:
    """Pause or resume, as `POST /api/candidates/{id}/stage` does."""
    wanted = (await request.form()).get("stage")
    if wanted != "paused" and wanted != "nurturing":
        return error_page(request, 400, "Choose pause or resume.")
    candidate = await load(session, candidate_id, principal)
    candidates.still_open(candidate)
    await lifecycle.change_stage(
        session, temporal, candidate, StageBody.model_validate({"stage": wanted})
    )
    return back_to(candidate, "paused" if wanted == "paused" else "resumed")


@router.post("/{candidate_id}/opt-out")
async def opt_out(
    request: Request,
    candidate_id: str,
    principal: PostedByWriter,
    session: SessionDep,
    temporal: TemporalDep,
) -> Response:
    """Some channels, or (`everything`) all outreach, as `POST /api/candidates/{id}/opt-out`."""
    form = await request.form()
    channels = [Channel(value) for value in form.getlist("channels") if value in set(Channel)]
    if form.get("everything") != "yes" and not channels:
        return error_page(request, 400, "Tick the channels to stop, or everything.")
    candidate = await load(session, candidate_id, principal)
    candidates.still_open(candidate)
    body = OptOutBody(channels=None if form.get("everything") == "yes" else channels)
    await lifecycle.opt_out(session, temporal, candidate, body)
    return back_to(candidate, "opted_out")
