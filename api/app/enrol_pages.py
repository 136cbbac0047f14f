"""Enrolling one candidate from a form: the fields become the API's `CandidateCreate`, checked
by the same schema, and its 422 findings (api/errors.py's field names) are shown beside the
field each one names; a valid form enrols through the API's own service."""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.datastructures import FormData

from api.app.access import PostedByWriter, Writer
from api.app.render import page
from api.app.session import PATH
from api.candidates import service as candidates
from api.candidates.schemas import CandidateCreate
from api.deps import SessionDep, SettingsDep, TemporalDep
from api.errors import Invalid, field_errors
from rapport.vocabulary import Channel, Rapport, RelationshipOrigin, SenderRole

router = APIRouter(prefix="/enrol")

TEXT_FIELDS = (
    "external_id", "full_name", "email", "linkedin_url", "postal_address", "timezone", "country",
    "birthday", "current_employer", "current_title", "job_started_on", "location",
)  # fmt: skip
LIST_FIELDS = ("skills", "interests")
RELATIONSHIP_FIELDS = ("origin", "rapport", "since", "owner", "owner_role")
DEFAULTS = {
    "relationship.origin": RelationshipOrigin.COLD_OUTREACH.value,
    "relationship.rapport": Rapport.COLD.value,
    "relationship.owner_role": SenderRole.HR.value,
}


@cache
def time_zones() -> list[str]:
    return sorted(zoneinfo.available_timezones())


def body_from(form: FormData) -> dict[str, Any]:
    """The enrolment body a form describes: blank fields left out, lists split at commas."""

    def text(name: str) -> str:
        value = form.get(name)
        return value.strip() if isinstance(value, str) else ""

    body: dict[str, Any] = {name: text(name) for name in TEXT_FIELDS if text(name)}
    for name in LIST_FIELDS:
        items = [item.strip() for item in text(name).split(",")]
        body[name] = [item for item in items if item]
    body["consent"] = {
        channel.value: form.get(f"consent.{channel}") == "yes" for channel in Channel
    }
    relationship = {
        name: text(f"relationship.{name}")
        for name in RELATIONSHIP_FIELDS
        if text(f"relationship.{name}")
    }
    if relationship:
        body["relationship"] = relationship
    return body


def form_field(field: str) -> str:
    """Where a finding is shown: `skills.2` beside skills, `consent.fax` beside consent."""
    parts = field.split(".")
    if parts[0] == "relationship" and len(parts) > 1:
        return ".".join(parts[:2])
    return parts[0]


def errors_by_field(problems: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    found: dict[str, list[str]] = {}
    for problem in problems:
        found.setdefault(form_field(str(problem["field"])), []).append(str(problem["message"]))
    return {field: "; ".join(dict.fromkeys(messages)) for field, messages in found.items()}


def findings(refused: ValidationError | Invalid) -> dict[str, str]:
    """The API's findings, pydantic's or a service's, by the form field each one names."""
    if isinstance(refused, ValidationError):
        problems = [problem.model_dump() for problem in field_errors(refused.errors())]
    else:
        problems = refused.detail if isinstance(refused.detail, list) else []
    return errors_by_field(problems)


def values_from(form: FormData | None) -> dict[str, str]:
    if form is None:
        return dict(DEFAULTS)
    return {name: value for name, value in form.items() if isinstance(value, str)}


def enrol_form(
    request: Request,
    *,
    form: FormData | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "title": "Enrol a candidate",
        "values": values_from(form),
        "errors": errors or {},
        "zones": time_zones(),
        "channels": list(Channel),
        "origins": list(RelationshipOrigin),
        "rapports": list(Rapport),
        "roles": list(SenderRole),
    }
    return page(request, "enrol.html", context, status_code=status_code)


@router.get("")
async def enrol_page(request: Request, principal: Writer) -> Response:
    return enrol_form(request)


@router.post("")
async def enrol(
    request: Request,
    principal: PostedByWriter,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
) -> Response:
    form = await request.form()
    try:
        body = CandidateCreate.model_validate(body_from(form))
    except ValidationError as invalid:
        problems = [problem.model_dump() for problem in field_errors(invalid.errors())]
        return enrol_form(
            request,
            form=form,
            errors=errors_by_field(problems),
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
    try:
        candidate, created = await candidates.enrol(session, temporal, settings, body)
    except Invalid as refused:
        problems = refused.detail if isinstance(refused.detail, list) else []
        return enrol_form(
            request,
            form=form,
            errors=errors_by_field(problems),
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
    done = "enrolled" if created else "existing"
    return RedirectResponse(
        f"{PATH}/candidates/{candidate.id}?done={done}", status_code=status.HTTP_303_SEE_OTHER
    )
