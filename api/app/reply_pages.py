"""Classifying a reply, from My inbox or the candidate's page: interested, not now (with an
optional day to resume on) or not interested, as `POST /api/inbound/{id}/classify` through the
same service (api/inbound/service.py), which closes the owner's `classify_reply` task and tells
the workflow. An owner classifies only their own candidates' replies."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from api.app.access import PostedByOwner
from api.app.render import error_page, is_htmx, page
from api.app.session import PATH
from api.deps import SessionDep, TemporalDep, id_or_404
from api.errors import field_errors
from api.inbound import service as inbound
from api.inbound.schemas import ClassifyBody

router = APIRouter(prefix="/replies")
SAID = {
    "interested": "Classified interested: a person takes over.",
    "not_now": "Classified not now: outreach carries on later.",
    "not_interested": "Classified not interested: greetings only from now on.",
}


@router.post("/{inbound_id}/classify")
async def classify(
    request: Request,
    inbound_id: str,
    principal: PostedByOwner,
    session: SessionDep,
    temporal: TemporalDep,
) -> Response:
    """What the reply meant; `back` says which page the form came from."""
    form = await request.form()
    resume_on = form.get("resume_on")
    values = {
        "sentiment": form.get("sentiment"),
        "resume_on": resume_on if isinstance(resume_on, str) and resume_on else None,
    }
    if values["sentiment"] != "not_now":
        values["resume_on"] = None
    try:
        body = ClassifyBody.model_validate(values)
    except ValidationError as invalid:
        found = field_errors(invalid.errors())
        message = "; ".join(
            "choose interested, not now or not interested"
            if problem.field == "sentiment"
            else f"{problem.field}: {problem.message}"
            for problem in found
        )
        return error_page(request, 422, message)
    out = await inbound.classify(
        session, temporal, principal, id_or_404(inbound_id, "inbound message"), body
    )
    if is_htmx(request):
        context = {"inbound_id": out.id, "message": SAID[body.sentiment]}
        return page(request, "_reply_closed.html", context)
    if form.get("back") == "candidate" and out.candidate is not None:
        target = f"{PATH}/candidates/{out.candidate.id}?done=classified"
    else:
        target = f"{PATH}/inbox?done=classified"
    return RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)
