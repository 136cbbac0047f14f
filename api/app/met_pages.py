"""I met someone (owners and employees, from a phone): enrol a person they know, as a referral
or someone met at an event, with themselves as owner; or record a meeting with one of their
own candidates, which plans the thank-you. Both go through the API's own services and schema
(api/candidates). Whether owners may enrol is a setting an admin stores on the Settings page
(api/app/settings_pages.py); recording a meeting is always theirs to do, as the API's
interactions route allows."""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.datastructures import FormData

from api.app import service as pages
from api.app.access import OwnerOnly, PostedByOwnerOnly
from api.app.candidate_actions import meet, text
from api.app.candidate_pages import load
from api.app.enrol_pages import time_zones
from api.app.render import error_page, page
from api.app.session import PATH
from api.auth import Principal
from api.candidates import service as candidates
from api.candidates.schemas import CandidateCreate
from api.deps import SessionDep, SettingsDep, TemporalDep
from api.errors import Invalid, NotFound, field_errors
from api.people import service as people
from rapport.vocabulary import Channel, Rapport, RelationshipOrigin, SenderRole

router = APIRouter(prefix="/met")
ORIGINS = (RelationshipOrigin.REFERRAL, RelationshipOrigin.IN_PERSON_EVENT)


async def met_form(
    request: Request,
    session: SessionDep,
    principal: Principal,
    *,
    form: FormData | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    mine = await pages.search(session, principal, pages.CandidateSearch(), None)
    values = {k: v for k, v in (form or {}).items() if isinstance(v, str)}
    context: dict[str, Any] = {
        "title": "I met someone",
        "may_enrol": (await pages.owners_may_enrol(session))[0],
        "mine": mine.items,
        "values": values,
        "errors": errors or {},
        "zones": time_zones(),
        "origins": ORIGINS,
        "rapports": list(Rapport),
    }
    code = status.HTTP_422_UNPROCESSABLE_CONTENT if errors else 200
    return page(request, "met.html", context, status_code=code)


@router.get("")
async def met_page(request: Request, principal: OwnerOnly, session: SessionDep) -> Response:
    return await met_form(request, session, principal)


def external_id(form: FormData) -> str:
    """Owners have no ATS id: one from the profile or address, so the same person enrolled
    twice is the same candidate (the API returns the existing one)."""
    seed = (text(form, "linkedin_url") or text(form, "email") or "").lower()
    if not seed:
        seed = f"{text(form, 'full_name') or ''}|{text(form, 'country') or ''}".lower()
    return "met-" + hashlib.sha256(seed.encode()).hexdigest()[:20]


async def owner_role(session: SessionDep, owner: str) -> str:
    """The voice the directory gives them (api/people), else an employee's."""
    try:
        person = await people.find(session, owner)
    except NotFound:
        return SenderRole.EMPLOYEE.value
    return person.role.value if person.role else SenderRole.EMPLOYEE.value


def by_field(found: list[dict[str, str]]) -> dict[str, str]:
    """`relationship.rapport` is shown beside the form's `rapport`, `consent.email` beside
    `consent_email`: the form's fields are flat."""
    errors: dict[str, str] = {}
    for problem in found:
        parts = str(problem["field"]).split(".")
        name = "consent_email" if parts[0] == "consent" else parts[-1]
        if parts[0] in ("skills", "interests") or name.isdigit():
            name = parts[0]
        errors[f"enrol.{name}"] = str(problem["message"])
    return errors


@router.post("/enrol")
async def enrol(
    request: Request,
    principal: PostedByOwnerOnly,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
) -> Response:
    """A person they know, enrolled with them as owner, as `POST /api/candidates`."""
    if not (await pages.owners_may_enrol(session))[0]:
        return error_page(
            request, 403, "Your admin has not let owners enrol people: ask HR to enrol them."
        )
    form = await request.form()
    owner = principal.owner or ""
    origin = text(form, "origin")
    if origin not in set(ORIGINS):
        errors = {"enrol.origin": "choose referral or met at an event"}
        return await met_form(request, session, principal, form=form, errors=errors)
    body: dict[str, Any] = {
        "external_id": external_id(form),
        "full_name": text(form, "full_name"),
        "email": text(form, "email"),
        "linkedin_url": text(form, "linkedin_url"),
        "timezone": text(form, "timezone"),
        "country": text(form, "country"),
        "consent": {Channel.EMAIL.value: form.get("consent_email") == "yes"},
        "relationship": {
            "origin": origin,
            "rapport": text(form, "rapport"),
            "owner": owner,
            "owner_role": await owner_role(session, owner),
        },
    }
    body = {name: value for name, value in body.items() if value is not None}
    try:
        created = CandidateCreate.model_validate(body)
        candidate, new = await candidates.enrol(session, temporal, settings, created)
    except ValidationError as invalid:
        found = [problem.model_dump() for problem in field_errors(invalid.errors())]
        return await met_form(request, session, principal, form=form, errors=by_field(found))
    except Invalid as refused:
        found = refused.detail if isinstance(refused.detail, list) else []
        return await met_form(request, session, principal, form=form, errors=by_field(found))
    if not principal.holds(candidate.owner):
        # Already enrolled by HR under someone else: say so, show nothing of them.
        return error_page(request, 409, "That person is already a candidate of someone else.")
    done = "enrolled" if new else "existing"
    return RedirectResponse(
        f"{PATH}/candidates/{candidate.id}?done={done}", status_code=status.HTTP_303_SEE_OTHER
    )


@router.post("/meeting")
async def meeting(
    request: Request,
    principal: PostedByOwnerOnly,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
) -> Response:
    """Met one of their own candidates again: the meeting is recorded, the thank-you planned."""
    form = await request.form()
    chosen = text(form, "candidate")
    if not chosen:
        errors = {"meeting.candidate": "choose who you met"}
        return await met_form(request, session, principal, form=form, errors=errors)
    candidate = await load(session, chosen, principal)
    result = await meet(session, temporal, candidate, principal, form)
    if isinstance(result, dict):
        return await met_form(request, session, principal, form=form, errors=result)
    return RedirectResponse(result, status_code=status.HTTP_303_SEE_OTHER)
