"""Connected mailboxes: admins connect, list, change and remove them. The secret is write-only:
every answer says `has_secret: true` instead."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from api.auth import ADMIN_ONLY
from api.deps import SessionDep, SettingsDep, TemporalDep, id_or_404
from api.mailboxes import service
from api.mailboxes.schemas import MailboxBody, MailboxList, MailboxOut, MailboxUpdate

router = APIRouter(prefix="/api/mailboxes", tags=["mailboxes"], dependencies=[ADMIN_ONLY])


@router.get("")
async def list_mailboxes(session: SessionDep) -> MailboxList:
    """Every connected mailbox, oldest first, with where reading stands and its health."""
    return MailboxList(items=await service.listing(session))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        409: {"description": "That user's folder on that host is connected already."},
        503: {"description": "No encryption key is set (RAPPORT_ENCRYPTION_KEYS)."},
    },
)
async def connect_mailbox(
    body: MailboxBody, session: SessionDep, temporal: TemporalDep, settings: SettingsDep
) -> MailboxOut:
    """Connect a mailbox: its secret stored encrypted, its reading started at once."""
    return await service.create(session, temporal, settings, body)


@router.get("/{mailbox_id}")
async def get_mailbox(mailbox_id: str, session: SessionDep) -> MailboxOut:
    """One mailbox: position, last read, health and last error."""
    return service.mailbox_out(await service.found(session, id_or_404(mailbox_id, "mailbox")))


@router.patch("/{mailbox_id}")
async def update_mailbox(
    mailbox_id: str,
    body: MailboxUpdate,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
) -> MailboxOut:
    """Rename, replace the secret (after a failed login), change the folder, or turn reading
    off and on."""
    return await service.update(session, temporal, settings, id_or_404(mailbox_id, "mailbox"), body)


@router.delete("/{mailbox_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_mailbox(mailbox_id: str, session: SessionDep, temporal: TemporalDep) -> Response:
    """Disconnect it: its reading stops; what it read stays in `GET /api/inbound`."""
    await service.delete(session, temporal, id_or_404(mailbox_id, "mailbox"))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
