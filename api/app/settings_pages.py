"""Settings (admins): what an admin stores for the workspace, changed without a deploy. Today
one: whether owners and employees may enrol a person they know from I met someone (on until
turned off). Stored in PostgreSQL (`workspace_settings`) with who changed it last."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import RedirectResponse

from api.app import service as pages
from api.app.access import Admin, PostedByAdmin
from api.app.render import page
from api.app.session import PATH
from api.deps import SessionDep

router = APIRouter(prefix="/settings")
DONE = {"saved": "Saved. It applies to the next page an owner opens."}


@router.get("")
async def settings_page(
    request: Request, principal: Admin, session: SessionDep, done: str | None = None
) -> Response:
    allowed, stored = await pages.owners_may_enrol(session)
    context = {
        "title": "Settings",
        "owners_may_enrol": allowed,
        "stored": stored,
        "done": DONE.get(done or ""),
    }
    return page(request, "settings.html", context)


@router.post("")
async def save_settings(
    request: Request, principal: PostedByAdmin, session: SessionDep
) -> Response:
    """A ticked box is on, an unticked one off (a form sends nothing for it)."""
    form = await request.form()
    await pages.set_owners_may_enrol(session, form.get("owners_may_enrol") == "yes", principal)
    return RedirectResponse(f"{PATH}/settings?done=saved", status_code=status.HTTP_303_SEE_OTHER)
