"""The message templates: everyone but owners reads them and previews; HR and admins edit and
revert. A key is the default file's path without `.txt.j2`, slash and all:
`/api/templates/email/birthday.ceo.de`."""

from __future__ import annotations

from fastapi import APIRouter

from api.auth import READ_ALL, WRITE, PrincipalDep
from api.deps import SessionDep, SettingsDep
from api.templates import service
from api.templates.schemas import (
    PreviewBody,
    PreviewOut,
    RevertBody,
    TemplateDetail,
    TemplateEditBody,
    TemplateList,
)

router = APIRouter(prefix="/api/templates", tags=["templates"])


@router.get("", dependencies=[READ_ALL])
async def list_templates(session: SessionDep) -> TemplateList:
    """Every template (by channel, occasion, voice, language) and whether it is edited."""
    return TemplateList(items=await service.listing(session))


@router.post("/{key:path}/preview", dependencies=[READ_ALL])
async def preview_template(
    key: str, body: PreviewBody, session: SessionDep, settings: SettingsDep, principal: PrincipalDep
) -> PreviewOut:
    """Render a text (default: the one in force) with a candidate's facts or sample facts;
    nothing is stored."""
    return await service.preview(session, settings, principal, key, body)


@router.post("/{key:path}/revert", dependencies=[WRITE])
async def revert_template(
    key: str, session: SessionDep, principal: PrincipalDep, body: RevertBody | None = None
) -> TemplateDetail:
    """Put the default file back in force; the edits stay in the history."""
    return await service.revert(session, principal, key, body.comment if body else None)


@router.get("/{key:path}", dependencies=[READ_ALL])
async def get_template(key: str, session: SessionDep) -> TemplateDetail:
    """The default text, the text in force, and every edit with who made it and when."""
    return await service.detail(session, key)


@router.put("/{key:path}", dependencies=[WRITE])
async def edit_template(
    key: str, body: TemplateEditBody, session: SessionDep, principal: PrincipalDep
) -> TemplateDetail:
    """Store an edit, in force for the next message; refused (422, naming `body` with the line
    and the error) unless it renders for everyone the template serves; 409 if `based_on` is
    not the newest version."""
    return await service.save(session, principal, key, body)
