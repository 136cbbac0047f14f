"""A candidate's actions beyond pause and opt-out: correct the email address (which resets its
status), record a meeting (the workflow plans the thank-you), invite, and erase after a
confirmation step. Each form becomes the API's own body, checked by the same schema, and goes
through the API's own service; a refusal is shown beside the form that asked, in the API's words.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from api.app.access import Admin, PostedByAdmin, PostedByOwner, PostedByWriter
from api.app.candidate_pages import back_to, load, show
from api.app.render import page
from api.app.session import PATH
from api.auth import OWNER, Principal
from api.candidates import lifecycle
from api.candidates import service as candidates
from api.candidates.schemas import CandidateUpdate, InvitationBody, MetInPersonBody
from api.deps import SessionDep, SettingsDep, TemporalDep
from api.errors import field_errors
from rapport.db.models import Candidate

router = APIRouter(prefix="/candidates")


def text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


def problems(form_name: str, invalid: ValidationError) -> dict[str, str]:
    """Pydantic's findings keyed `form.field`, as the template looks them up."""
    found: dict[str, list[str]] = {}
    for problem in field_errors(invalid.errors()):
        field = problem.field.split(".")[0] or "form"
        found.setdefault(f"{form_name}.{field}", []).append(problem.message)
    return {name: "; ".join(dict.fromkeys(messages)) for name, messages in found.items()}


Body = TypeVar("Body", bound=BaseModel)


def validated(model: type[Body], values: dict[str, Any], form_name: str) -> Body | dict[str, str]:
    try:
        return model.model_validate(values)
    except ValidationError as invalid:
        return problems(form_name, invalid)


async def refused(
    request: Request,
    deps: tuple[SessionDep, TemporalDep, SettingsDep],
    candidate: Candidate,
    principal: Principal,
    errors: dict[str, str],
    form: FormData,
) -> Response:
    """The candidate's page again, the form as typed and the API's findings beside it."""
    session, temporal, settings = deps
    values = {name: value for name, value in form.items() if isinstance(value, str)}
    return await show(
        request, session, temporal, settings, candidate, principal, errors=errors, values=values
    )


@router.post("/{candidate_id}/email")
async def change_email(
    request: Request,
    candidate_id: str,
    principal: PostedByWriter,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
) -> Response:
    """Correct the address, as `PATCH /api/candidates/{id}`: a new address starts `unknown`."""
    form = await request.form()
    candidate = await load(session, candidate_id, principal)
    body = validated(CandidateUpdate, {"email": text(form, "email")}, "email")
    if isinstance(body, dict):
        return await refused(
            request, (session, temporal, settings), candidate, principal, body, form
        )
    await candidates.update_profile(session, temporal, candidate, body)
    return back_to(candidate, "email")


@router.post("/{candidate_id}/meeting")
async def record_meeting(
    request: Request,
    candidate_id: str,
    principal: PostedByOwner,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
) -> Response:
    """Met in person, as `POST /api/candidates/{id}/interactions`: a thank-you follows, signed
    by whoever met them (an owner: themselves)."""
    form = await request.form()
    candidate = await load(session, candidate_id, principal)
    result = await meet(session, temporal, candidate, principal, form)
    if isinstance(result, dict):
        return await refused(
            request, (session, temporal, settings), candidate, principal, result, form
        )
    return RedirectResponse(result, status_code=status.HTTP_303_SEE_OTHER)


async def meet(
    session: SessionDep,
    temporal: TemporalDep,
    candidate: Candidate,
    principal: Principal,
    form: FormData,
    *,
    then: Callable[[Candidate], str] | None = None,
) -> str | dict[str, str]:
    """Record the meeting a form describes; where to go next, or the findings (`meeting.*`)."""
    met_by = principal.owner if principal.role == OWNER else text(form, "met_by")
    values = {
        "type": "met_in_person",
        "event": text(form, "event"),
        "date": text(form, "date"),
        "rapport": text(form, "rapport"),
        "met_by": met_by,
    }
    body = validated(MetInPersonBody, values, "meeting")
    if isinstance(body, dict):
        return body
    candidates.still_open(candidate)
    await lifecycle.met_in_person(session, temporal, candidate, body)
    return then(candidate) if then else f"{PATH}/candidates/{candidate.id}?done=met"


def starts_at(value: str | None, zone: str) -> str | None:
    """A `datetime-local` value (no offset) read in the candidate's time zone."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value  # left as typed, so the schema names the field
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment.isoformat()


@router.post("/{candidate_id}/invite")
async def invite(
    request: Request,
    candidate_id: str,
    principal: PostedByWriter,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
) -> Response:
    """An invitation, as `POST /api/candidates/{id}/invitations`."""
    form = await request.form()
    candidate = await load(session, candidate_id, principal)
    values = {
        name: text(form, name)
        for name in ("kind", "sender_role", "sender", "title", "url", "message")
    }
    values["starts_at"] = starts_at(text(form, "starts_at"), candidate.timezone)
    body = validated(InvitationBody, {k: v for k, v in values.items() if v is not None}, "invite")
    if isinstance(body, dict):
        return await refused(
            request, (session, temporal, settings), candidate, principal, body, form
        )
    candidates.still_open(candidate)
    await lifecycle.invite(session, temporal, candidate, body)
    return back_to(candidate, "invited")


@router.get("/{candidate_id}/erase")
async def confirm_erase(
    request: Request,
    candidate_id: str,
    principal: Admin,
    session: SessionDep,
) -> Response:
    """The confirmation step: what erasing does, and one button to do it."""
    candidate = await load(session, candidate_id, principal)
    context = {"title": f"Erase {candidate.full_name}?", "candidate": candidate}
    return page(request, "erase.html", context)


@router.post("/{candidate_id}/erase")
async def erase(
    request: Request,
    candidate_id: str,
    principal: PostedByAdmin,
    session: SessionDep,
    temporal: TemporalDep,
) -> Response:
    """Erase, as `DELETE /api/candidates/{id}`, once the confirmation box is ticked."""
    form = await request.form()
    candidate = await load(session, candidate_id, principal)
    if form.get("confirm") != "yes":
        context = {
            "title": f"Erase {candidate.full_name}?",
            "candidate": candidate,
            "error": "Tick the box to confirm: erasing cannot be undone.",
        }
        return page(request, "erase.html", context, status_code=422)
    await lifecycle.erase(session, temporal, candidate)
    return RedirectResponse(f"{PATH}/candidates?done=erased", status_code=status.HTTP_303_SEE_OTHER)
