"""What the workspace's pages read that the API's services do not already give: the key behind
a session, candidates searched from PostgreSQL alone, an inbox with names and overdue marks,
the replies waiting for someone to say what they meant, and the settings an admin stores
(whether owners may enrol: on until an admin turns it off)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from api.auth import Principal
from api.candidates.schemas import CandidateOut
from api.candidates.service import candidate_out
from api.tasks import service as task_service
from api.tasks.schemas import TaskOut
from rapport import keys
from rapport.db.models import ApiKey, Interaction, WorkspaceSetting
from rapport.db.repositories import api_keys as key_repo
from rapport.db.repositories import workspace as workspace_repo
from rapport.db.repositories import workspace_settings as settings_repo
from rapport.db.repositories.workspace import CandidateSearch
from rapport.vocabulary import TaskKind, TaskStatus

__all__ = [
    "CandidateSearch", "active_key", "inbox", "interactions", "key_for_secret",
    "owners_may_enrol", "replies", "search", "set_owners_may_enrol",
]  # fmt: skip
PAGE_SIZE = 25


async def key_for_secret(session: AsyncSession, secret: str) -> ApiKey | None:
    """The active key a person pasted into the sign-in form."""
    return await keys.find(session, secret)


async def active_key(session: AsyncSession, key_id: str) -> ApiKey | None:
    """The key a session was opened with, unless it has been revoked since."""
    try:
        wanted = uuid.UUID(key_id)
    except ValueError:
        return None
    record = await key_repo.get_key(session, wanted)
    return record if record is not None and record.revoked_at is None else None


@dataclass(frozen=True)
class CandidateList:
    items: list[CandidateOut]
    total: int
    next_cursor: str | None
    owners: list[str]


async def search(
    session: AsyncSession, principal: Principal, where: CandidateSearch, after: uuid.UUID | None
) -> CandidateList:
    """A page of candidates; an owner's search is narrowed to their own, whatever they asked."""
    where = CandidateSearch(
        stage=where.stage,
        owner=principal.owner_filter(where.owner),
        origin=where.origin,
        rapport=where.rapport,
        skill=where.skill,
        text=where.text,
        email_status=where.email_status,
    )
    page = await workspace_repo.search_candidates(session, where, limit=PAGE_SIZE, after=after)
    owners = [principal.owner] if principal.owner else await workspace_repo.owners(session)
    return CandidateList(
        items=[candidate_out(candidate) for candidate in page.items],
        total=await workspace_repo.count_candidates(session, where),
        next_cursor=page.next_cursor,
        owners=[owner for owner in owners if owner],
    )


@dataclass(frozen=True)
class InboxItem:
    task: TaskOut
    candidate_name: str | None
    overdue: bool


async def inbox(session: AsyncSession, principal: Principal, owner: str | None) -> list[InboxItem]:
    """Open drafts, overdue first, then by deadline: an owner sees only their own. Replies to
    classify are listed apart (`replies`): they close by classifying, not by sending."""
    tasks = [
        task
        for task in await task_service.inbox(
            session, owner=principal.owner_filter(owner), status=TaskStatus.OPEN, limit=200
        )
        if task.kind != TaskKind.CLASSIFY_REPLY
    ]
    names = await workspace_repo.names(session, (task.candidate_id for task in tasks))
    now = datetime.now(UTC)
    items = [
        InboxItem(task=task, candidate_name=names.get(task.candidate_id), overdue=task.due_at < now)
        for task in tasks
    ]
    return sorted(items, key=lambda item: (not item.overdue, item.task.due_at))


async def interactions(session: AsyncSession, candidate_id: uuid.UUID) -> list[Interaction]:
    """Meetings and replies, newest first."""
    return list(await workspace_repo.interactions(session, candidate_id))


@dataclass(frozen=True)
class WaitingReply:
    inbound_id: uuid.UUID
    candidate_id: uuid.UUID
    candidate_name: str | None
    owner: str
    text: str
    sender: str | None
    subject: str | None
    received_at: datetime
    overdue: bool


async def replies(
    session: AsyncSession,
    principal: Principal,
    *,
    candidate_id: uuid.UUID | None = None,
    owner: str | None = None,
) -> list[WaitingReply]:
    """Replies waiting to be classified (their `classify_reply` task still open), with the
    reply's own text: an owner sees only their own candidates'."""
    rows = await workspace_repo.waiting_replies(
        session, candidate_id=candidate_id, owner=principal.owner_filter(owner)
    )
    names = await workspace_repo.names(session, (task.candidate_id for task, _ in rows))
    now = datetime.now(UTC)
    return [
        WaitingReply(
            inbound_id=record.id,
            candidate_id=task.candidate_id,
            candidate_name=names.get(task.candidate_id),
            owner=task.owner,
            text=record.reply_text or task.draft,
            sender=record.sender,
            subject=record.subject,
            received_at=record.received_at,
            overdue=task.due_at < now,
        )
        for task, record in rows
        if principal.holds(task.owner)
    ]


OWNERS_MAY_ENROL = "owners_may_enrol"


async def owners_may_enrol(session: AsyncSession) -> tuple[bool, WorkspaceSetting | None]:
    """Whether owners may enrol people they know, and the stored row (who changed it, when)."""
    stored = await settings_repo.get_setting(session, OWNERS_MAY_ENROL)
    return (bool(stored.value) if stored is not None else True), stored


async def set_owners_may_enrol(session: AsyncSession, allowed: bool, principal: Principal) -> None:
    await settings_repo.put_setting(
        session, OWNERS_MAY_ENROL, allowed, principal.owner or principal.name
    )
    await session.commit()
