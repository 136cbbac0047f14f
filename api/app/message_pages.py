"""Messages: every message template (channel, occasion, voice, language), and one open in an
editor with a live preview against a chosen candidate (htmx posts the text as it is typed, and
the preview is drawn again), its history with who and when, save and revert. HR and admins
edit; viewers read and preview; owners do not see it. Everything goes through the API's own
service (api/templates/service.py): an edit that does not render is refused with the same
message, shown beside the field, and nothing is stored. Without JavaScript the Preview button
posts the form and the page comes back with the preview."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from api.app import service as pages
from api.app.access import posting, viewing
from api.app.render import is_htmx, page
from api.app.session import PATH
from api.auth import ADMIN, HR, VIEWER, Principal
from api.deps import SessionDep, SettingsDep
from api.errors import Conflict, Invalid, NotFound, field_errors
from api.templates import service as templates
from api.templates.schemas import PreviewBody, TemplateEditBody
from rapport.db.repositories.workspace import CandidateSearch

router = APIRouter(prefix="/messages")
READERS = (ADMIN, HR, VIEWER)
Reader = Annotated[Principal, Depends(viewing(*READERS))]
PostedByReader = Annotated[Principal, Depends(posting(*READERS))]
PostedByEditor = Annotated[Principal, Depends(posting(ADMIN, HR))]
DONE = {
    "saved": "Saved. The next message uses it.",
    "reverted": "Reverted: the default text is in force again.",
}
LANGUAGES = {None: "English (default)", "de": "German"}


def can_edit(principal: Principal) -> bool:
    return principal.role in (ADMIN, HR)


def text_of(value: object) -> str:
    # Browsers send a textarea's lines with CR LF; the templates are written with LF.
    return value.replace("\r\n", "\n") if isinstance(value, str) else ""


def problem_text(problems: list[dict[str, str]] | str) -> str:
    if isinstance(problems, str):
        return problems
    return "; ".join(item["message"] for item in problems)


@router.get("")
async def messages(request: Request, principal: Reader, session: SessionDep) -> Response:
    items = await templates.listing(session)
    channels: dict[str, list[Any]] = {}
    for item in items:
        channels.setdefault(item.channel.value, []).append(item)
    context = {"title": "Messages", "channels": channels, "languages": LANGUAGES}
    return page(request, "messages.html", context)


async def candidates_found(session: AsyncSession, principal: Principal, text: str) -> list[Any]:
    """Candidates to preview with: those HR may see, matching the search."""
    wanted = " ".join(text.split())[:200] or None
    found = await pages.search(session, principal, CandidateSearch(text=wanted), None)
    return found.items


@router.get("/{key:path}/candidates")
async def candidate_options(
    request: Request,
    key: str,
    principal: Reader,
    session: SessionDep,
    find: str = "",
    candidate_id: str = "",
) -> Response:
    """The picker for a search (htmx swaps it in, and it asks for a preview of its choice)."""
    context = {
        "candidates": await candidates_found(session, principal, find),
        "chosen": candidate_id,
        "t_key": templates.find(key).key,
        "swapped": True,
    }
    return page(request, "_message_candidates.html", context)


async def editor(
    request: Request,
    principal: Principal,
    session: AsyncSession,
    key: str,
    *,
    typed: str | None = None,
    preview: dict[str, Any] | None = None,
    error: str | None = None,
    preview_error: str | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
    based_on: str | None = None,
) -> Response:
    detail = await templates.detail(session, key)
    given = values or {}
    context = {
        "title": f"Message {detail.key}",
        "t": detail,
        "t_key": detail.key,
        # A refused save keeps the version it started from, so a conflict stays one.
        "based_on": based_on or str(detail.version),
        "text": detail.active if typed is None else typed,
        "error": error,
        "preview_error": preview_error,
        "preview": preview,
        "find": given.get("find", ""),
        "chosen": given.get("candidate_id", ""),
        "comment": given.get("comment", ""),
        "candidates": await candidates_found(session, principal, given.get("find", "")),
        "can_edit": can_edit(principal),
        "done": DONE.get(request.query_params.get("done", "")),
        "languages": LANGUAGES,
    }
    return page(request, "message.html", context, status_code=status_code)


@router.get("/{key:path}/edit")
async def open_template(
    request: Request, key: str, principal: Reader, session: SessionDep
) -> Response:
    """The editor, with the preview of the text in force against sample facts."""
    detail = await templates.detail(session, key)
    shown = await templates.preview(
        session, request.app.state.settings, principal, key, PreviewBody(body=detail.active)
    )
    return await editor(request, principal, session, key, preview=shown.model_dump())


async def form_values(request: Request) -> dict[str, str]:
    form = await request.form()
    fields = ("body", "candidate_id", "find", "comment", "based_on")
    return {name: text_of(form.get(name)) for name in fields}


@router.post("/{key:path}/preview")
async def preview(
    request: Request,
    key: str,
    principal: PostedByReader,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """The text as typed, rendered for the chosen candidate (or sample facts); stores nothing.
    htmx gets the preview alone, a form without JavaScript the whole editor."""
    templates.find(key)
    values = await form_values(request)
    preview_of: dict[str, Any] | None = None
    error = None
    try:
        body = PreviewBody.model_validate(
            {"body": values["body"], "candidate_id": values["candidate_id"] or None}
        )
        preview_of = (await templates.preview(session, settings, principal, key, body)).model_dump()
    except ValidationError as invalid:
        error = "; ".join(f"{e.field}: {e.message}" for e in field_errors(invalid.errors()))
    except (Invalid, NotFound) as refused:
        error = problem_text(refused.detail)
    if is_htmx(request):
        context = {"preview": preview_of, "preview_error": error}
        return page(request, "_message_preview.html", context)
    return await editor(
        request, principal, session, key, typed=values["body"], preview=preview_of,
        preview_error=error, values=values, based_on=values["based_on"],
    )  # fmt: skip


@router.post("/{key:path}/save")
async def save(
    request: Request, key: str, principal: PostedByEditor, session: SessionDep
) -> Response:
    """Store the edit, or show why not beside the field, storing nothing."""
    templates.find(key)
    values = await form_values(request)
    try:
        body = TemplateEditBody.model_validate(
            {
                "body": values["body"],
                "comment": values["comment"].strip() or None,
                "based_on": values["based_on"] or None,
            }
        )
        await templates.save(session, principal, key, body)
    except ValidationError as invalid:
        error = "; ".join(f"{e.field}: {e.message}" for e in field_errors(invalid.errors()))
        status_code = 422
    except (Invalid, Conflict) as refused:
        error = problem_text(refused.detail)
        status_code = refused.status
    else:
        return RedirectResponse(
            f"{PATH}/messages/{key}/edit?done=saved", status_code=status.HTTP_303_SEE_OTHER
        )
    return await editor(
        request, principal, session, key, typed=values["body"], error=error, values=values,
        status_code=status_code, based_on=values["based_on"],
    )  # fmt: skip


@router.post("/{key:path}/revert")
async def revert(
    request: Request, key: str, principal: PostedByEditor, session: SessionDep
) -> Response:
    """The default file in force again; the edits stay in the history."""
    await templates.revert(session, principal, key, None)
    return RedirectResponse(
        f"{PATH}/messages/{key}/edit?done=reverted", status_code=status.HTTP_303_SEE_OTHER
    )
