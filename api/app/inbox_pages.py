"""My inbox: replies waiting to be classified (api/app/reply_pages.py classifies them), then
the assisted drafts a person sends by hand (LinkedIn, a note), overdue first; copy
the text, open the profile, mark it sent with the text as sent, or skip it with a reason. An
owner sees only their own; HR and admins everyone's, or one owner's. Closing a draft goes
through the API's own service (api/tasks/service.py), so the workflow hears of it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from api.app import service as pages
from api.app.access import PostedByOwner, Viewer
from api.app.render import error_page, is_htmx, page
from api.app.session import PATH
from api.auth import Principal
from api.deps import SessionDep, TemporalDep, id_or_404
from api.errors import field_errors
from api.tasks import service as tasks
from api.tasks.schemas import TaskCompletion

router = APIRouter(prefix="/inbox")
DONE = {
    "sent": "Marked sent. The workflow has moved on.",
    "skipped": "Skipped, with your reason.",
    "classified": "Reply classified. The workflow has moved on.",
}


@router.get("")
async def inbox(
    request: Request,
    principal: Viewer,
    session: SessionDep,
    owner: str | None = None,
    done: str | None = None,
) -> Response:
    wanted = " ".join((owner or "").split())[:320] or None
    items = await pages.inbox(session, principal, wanted)
    context: dict[str, Any] = {
        "title": "My inbox" if principal.owner else "Inbox",
        "items": items,
        "replies": await pages.replies(session, principal, owner=wanted),
        "owner": principal.owner_filter(wanted) or "",
        "overdue": sum(1 for item in items if item.overdue),
        "done": DONE.get(done or ""),
    }
    return page(request, "inbox.html", context)


def completion(outcome: str, text: object, reason: object) -> TaskCompletion:
    return TaskCompletion.model_validate(
        {
            "outcome": outcome,
            "text": text if isinstance(text, str) and text.strip() else None,
            "reason": reason.strip() if isinstance(reason, str) and reason.strip() else None,
        }
    )


async def close(
    request: Request,
    task_id: str,
    outcome: str,
    principal: Principal,
    session: SessionDep,
    temporal: TemporalDep,
) -> Response:
    form = await request.form()
    try:
        body = completion(outcome, form.get("text"), form.get("reason"))
    except ValidationError as invalid:
        message = "; ".join(f"{e.field}: {e.message}" for e in field_errors(invalid.errors()))
        return error_page(request, 422, message)
    if outcome == "skipped" and not body.reason:
        return error_page(request, 422, "Say why you skip it: the reason is kept.")
    task = await tasks.complete(session, temporal, principal, id_or_404(task_id, "task"), body)
    if is_htmx(request):
        return page(request, "_task_closed.html", {"task": task, "message": DONE[outcome]})
    return RedirectResponse(f"{PATH}/inbox?done={outcome}", status_code=status.HTTP_303_SEE_OTHER)


@router.post("/{task_id}/sent")
async def mark_sent(
    request: Request,
    task_id: str,
    principal: PostedByOwner,
    session: SessionDep,
    temporal: TemporalDep,
) -> Response:
    """The draft went out, as the text in the form (edited or not)."""
    return await close(request, task_id, "sent", principal, session, temporal)


@router.post("/{task_id}/skip")
async def skip(
    request: Request,
    task_id: str,
    principal: PostedByOwner,
    session: SessionDep,
    temporal: TemporalDep,
) -> Response:
    """Not sent, and why: the touch is recorded as skipped with the reason."""
    return await close(request, task_id, "skipped", principal, session, temporal)
