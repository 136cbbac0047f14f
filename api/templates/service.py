"""The message templates and HR's edits of them. An edit is stored only if it renders, in the
renderer's own sandbox with strict undefined values, for every sample of everyone the template
serves (`activities.template_catalog`); the worker reads the edit in force at every render, so
the next touch uses it. Edits are only ever added: a revert is a row without a body."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from activities import template_catalog as catalog
from activities.drafting import MessageSettings
from activities.templates import InvalidTemplateError, Renderer
from api.auth import Principal
from api.candidates.service import visible
from api.errors import Conflict, Invalid, NotFound
from api.templates.schemas import (
    PreviewBody,
    PreviewOut,
    TemplateDetail,
    TemplateEditBody,
    TemplateEditOut,
    TemplateSummary,
)
from rapport.db.models import TemplateEdit
from rapport.db.repositories import people as people_repo
from rapport.db.repositories import template_edits as edits_repo
from rapport.settings import Settings
from rapport.vocabulary import Channel, Occasion, SenderRole

# One renderer for the process: it caches compiled defaults and edits (by their text).
RENDERER = Renderer()
TEMPLATES = catalog.catalog()


def find(key: str) -> catalog.MessageTemplate:
    template = TEMPLATES.get(key)
    if template is None:
        raise NotFound(f"no message template {key!r}; GET /api/templates lists them")
    return template


def summary(template: catalog.MessageTemplate, edit: TemplateEdit | None) -> TemplateSummary:
    edited = edit is not None and edit.body is not None
    return TemplateSummary(
        key=template.key,
        channel=Channel(template.channel),
        occasion=Occasion(template.occasion),
        sender_role=SenderRole(template.role) if template.role else None,
        sender_roles=[SenderRole(role) for role in template.roles],
        language=template.language,
        edited=edited,
        edited_by=edit.edited_by if edit is not None and edited else None,
        edited_at=edit.created_at if edit is not None and edited else None,
    )


def edit_out(edit: TemplateEdit) -> TemplateEditOut:
    return TemplateEditOut(
        id=edit.id,
        body=edit.body,
        reverted=edit.body is None,
        comment=edit.comment,
        edited_by=edit.edited_by,
        edited_by_role=edit.edited_by_role,
        created_at=edit.created_at,
    )


async def listing(session: AsyncSession) -> list[TemplateSummary]:
    newest = await edits_repo.newest_of_each(session)
    return [summary(template, newest.get(key)) for key, template in TEMPLATES.items()]


async def detail(session: AsyncSession, key: str) -> TemplateDetail:
    template = find(key)
    history = list(await edits_repo.history(session, key))
    newest = history[0] if history else None
    default = catalog.default_source(template)
    active = newest.body if newest is not None and newest.body is not None else default
    return TemplateDetail(
        **summary(template, newest).model_dump(),
        version=newest.id if newest is not None else 0,
        default=default,
        active=active,
        history=[edit_out(edit) for edit in history],
    )


async def problem(template: catalog.MessageTemplate, source: str) -> catalog.Problem | None:
    # Rendering every sample is CPU work (tens of milliseconds): off the event loop.
    return await asyncio.to_thread(catalog.check, RENDERER, template, source)


async def save(
    session: AsyncSession, principal: Principal, key: str, body: TemplateEditBody
) -> TemplateDetail:
    """Store the edit, or 422 naming `body` with the line and the error, storing nothing; 409
    if someone saved since the version it was `based_on`."""
    template = find(key)
    found = await problem(template, body.body)
    if found is not None:
        raise Invalid("body", str(found))
    await edits_repo.lock_key(session, key)
    newest = await edits_repo.active(session, key)
    if body.based_on is not None and (newest.id if newest else 0) != body.based_on:
        assert newest is not None  # a version other than 0 was given, and is not the newest
        what = "reverted it" if newest.body is None else "saved a newer text"
        raise Conflict(
            f"{newest.edited_by} {what} at {newest.created_at:%Y-%m-%d %H:%M %Z} since you "
            "opened it: nothing was saved. Open it again to see theirs, then make your change."
        )
    await record(session, principal, key, body.body, body.comment)
    return await detail(session, key)


async def revert(
    session: AsyncSession, principal: Principal, key: str, comment: str | None
) -> TemplateDetail:
    """The default file in force again; a template already at its default is left as it is."""
    find(key)
    await edits_repo.lock_key(session, key)
    newest = await edits_repo.active(session, key)
    if newest is not None and newest.body is not None:
        await record(session, principal, key, None, comment)
    return await detail(session, key)


async def record(
    session: AsyncSession, principal: Principal, key: str, body: str | None, comment: str | None
) -> None:
    edits_repo.add_edit(
        session,
        key=key,
        body=body,
        comment=comment or None,
        edited_by=principal.name,
        edited_by_role=principal.role,
        key_id=uuid.UUID(principal.key_id),
    )
    await session.commit()


def message_settings(settings: Settings) -> MessageSettings:
    """As the worker renders (worker.py)."""
    return MessageSettings(
        company=settings.company_name,
        base_url=settings.base_url,
        secret_key=settings.require_secret_key(),
        careers_url=settings.careers_url,
    )


def voice(template: catalog.MessageTemplate, wanted: str | None, owners: str | None) -> str:
    if wanted is not None and wanted not in template.roles:
        served = ", ".join(template.roles)
        raise Invalid("sender_role", f"this template writes for {served}, not {wanted}")
    return wanted or (owners if owners in template.roles else template.roles[0])


async def preview(
    session: AsyncSession, settings: Settings, principal: Principal, key: str, body: PreviewBody
) -> PreviewOut:
    """The message as it would read, stored nowhere; 422 naming `body` if it does not render."""
    template = find(key)
    source = body.body
    if source is None:
        source = (await detail(session, key)).active
    wanted = body.sender_role.value if body.sender_role else None
    if body.candidate_id is None:
        role = voice(template, wanted, None)
        values = catalog.sample_values(template, role)
    else:
        candidate = await visible(session, body.candidate_id, principal)
        role = voice(template, wanted, candidate.owner_role)
        sender = await people_repo.get_person(session, candidate.owner) if candidate.owner else None
        values = catalog.candidate_values(
            template, candidate, sender, role, message_settings(settings)
        )
    try:
        rendered = RENDERER.render_named(template.file_name, values, source)
    except InvalidTemplateError as err:
        raise Invalid("body", str(catalog.problem_of(template, err, None))) from err
    refused = await problem(template, source)
    return PreviewOut(
        subject=rendered.subject,
        body=rendered.body,
        sender_role=SenderRole(role),
        candidate_id=body.candidate_id,
        problem=str(refused) if refused else None,
    )
