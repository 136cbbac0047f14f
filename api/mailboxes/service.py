"""Connecting, listing, changing and removing mailboxes, and starting or stopping their reading.

A mailbox is written, its workflow started, and only then committed: with Temporal down nothing
is half-written. Its secret is sealed with the mailbox's id (rapport.sealing) before it is
stored, and no answer, log or Temporal payload ever holds it.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from activities.mailbox_reader import Security
from api.errors import Conflict, Invalid, NotFound, Refusal
from api.mailboxes.schemas import (
    MailboxBody,
    MailboxHealthRow,
    MailboxHealthRows,
    MailboxOut,
    MailboxUpdate,
    Position,
)
from rapport.db.models import Mailbox
from rapport.db.repositories import mailboxes as mailbox_repo
from rapport.db.repositories import people as people_repo
from rapport.sealing import NoSealingKeys, Sealer
from rapport.settings import Settings
from workflows.mailboxes import start_reading, stop_reading

# Plaintext IMAP is allowed only to a server on this machine (a test server, a local bridge).
LOOPBACK = {"127.0.0.1", "::1", "localhost"}
FAILING_QUERY = (
    "WorkflowType = 'MailboxWorkflow' AND ExecutionStatus = 'Running' "
    "AND RapportMailboxHealth IN ('login_failed', 'unreachable')"
)


class NoKeys(Refusal):
    status = 503


def mailbox_out(mailbox: Mailbox) -> MailboxOut:
    fields = {name: getattr(mailbox, name) for name in MailboxOut.model_fields if name not in (
        "has_secret", "position")}  # fmt: skip
    return MailboxOut(
        **fields,
        has_secret=bool(mailbox.secret_sealed),
        position=Position(uidvalidity=mailbox.uidvalidity, last_uid=mailbox.last_uid),
    )


def sealer(settings: Settings) -> Sealer:
    found = Sealer(settings.encryption_keys)
    if not found.ready:
        raise NoKeys(str(NoSealingKeys()))
    return found


async def found(session: AsyncSession, mailbox_id: uuid.UUID, *, lock: bool = False) -> Mailbox:
    mailbox = await mailbox_repo.get_mailbox(session, mailbox_id, lock=lock)
    if mailbox is None:
        raise NotFound("mailbox not found")
    return mailbox


async def listing(session: AsyncSession) -> list[MailboxOut]:
    return [mailbox_out(mailbox) for mailbox in await mailbox_repo.list_mailboxes(session)]


async def create(
    session: AsyncSession, client: Client, settings: Settings, body: MailboxBody
) -> MailboxOut:
    if body.security == Security.NONE and body.host not in LOOPBACK:
        raise Invalid("security", "none (plaintext) is only for a server on this machine")
    owner = str(body.owner).lower() if body.owner else None
    if owner and await people_repo.get_person(session, owner) is None:
        raise Invalid("owner", f"{owner} is not in the directory; add them with POST /api/people")
    mailbox_id = uuid.uuid4()
    values = body.model_dump(exclude={"secret", "owner"})
    sealed = sealer(settings).seal(body.secret.get_secret_value(), str(mailbox_id))
    added = await mailbox_repo.add_mailbox(
        session, id=mailbox_id, owner=owner, secret_sealed=sealed, **values
    )
    if not added:
        raise Conflict(
            f"{body.username} at {body.host}, folder {body.folder}, is connected already"
        )
    if body.enabled:
        await start_reading(client, settings, mailbox_id)
    await session.commit()
    return mailbox_out(await found(session, mailbox_id))


async def update(
    session: AsyncSession,
    client: Client,
    settings: Settings,
    mailbox_id: uuid.UUID,
    body: MailboxUpdate,
) -> MailboxOut:
    mailbox = await found(session, mailbox_id, lock=True)
    sent = body.model_fields_set
    for name in sent & {"name", "folder", "enabled"}:
        value = getattr(body, name)
        if value is None:
            raise Invalid(name, "may not be cleared")
    if body.name is not None:
        mailbox.name = body.name
    if body.folder is not None and body.folder != mailbox.folder:
        # Another folder's UIDs mean nothing here: read it from its start (ingest is idempotent).
        mailbox.folder, mailbox.uidvalidity, mailbox.last_uid = body.folder, 0, 0
    if body.secret is not None:
        mailbox.secret_sealed = sealer(settings).seal(
            body.secret.get_secret_value(), str(mailbox.id)
        )
        mailbox.consecutive_failures = 0
    if body.enabled is not None:
        mailbox.enabled = body.enabled
    await session.flush()
    if mailbox.enabled:
        await start_reading(client, settings, mailbox.id, mailbox.health)
    else:
        await stop_reading(client, mailbox.id)
    await session.commit()
    await session.refresh(mailbox)
    return mailbox_out(mailbox)


async def delete(session: AsyncSession, client: Client, mailbox_id: uuid.UUID) -> None:
    """Removed first (its workflow ends itself at its next read), then its workflow ended now."""
    mailbox = await found(session, mailbox_id, lock=True)
    await mailbox_repo.delete_mailbox(session, mailbox)
    await session.commit()
    await stop_reading(client, mailbox_id)


async def health(session: AsyncSession) -> MailboxHealthRows:
    rows = [
        MailboxHealthRow.model_validate(mailbox, from_attributes=True)
        for mailbox in await mailbox_repo.list_mailboxes(session)
    ]
    return MailboxHealthRows(query=FAILING_QUERY, items=rows)
