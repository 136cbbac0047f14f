"""Receiving a posted message, telling the candidate's workflow, listing what came back, and
classifying a reply."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from activities.inbound import InboundProcessor, InboundSettings
from api.auth import Principal
from api.candidates import lifecycle
from api.candidates.schemas import RepliedBody
from api.candidates.workflow import signal
from api.errors import Conflict, Invalid, NotFound
from api.inbound.schemas import (
    ClassifyBody,
    InboundOut,
    InboundPage,
    IngestOut,
    MatchedCandidate,
    MatchedTouch,
)
from rapport.contracts.inbound import IngestResult
from rapport.db.models import Candidate, InboundRecord, Touch
from rapport.db.repositories import candidates as candidate_repo
from rapport.db.repositories import inbound as inbound_repo
from rapport.db.repositories import interactions as interaction_repo
from rapport.db.repositories import tasks as task_repo
from rapport.inbound import InboundMessage
from rapport.settings import Settings
from rapport.vocabulary import Channel, InboundKind, InboundSource, TaskStatus
from workflows.candidate import CandidateWorkflow

# Each notice's signal, by the name the notice gives (rapport.contracts.inbound).
HANDLERS: dict[str, Callable[[CandidateWorkflow, Any], None]] = {
    "replied": CandidateWorkflow.replied,
    "opted_out": CandidateWorkflow.opted_out,
    "profile_updated": CandidateWorkflow.profile_updated,
    "auto_replied": CandidateWorkflow.auto_replied,
}


def processor(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> InboundProcessor:
    return InboundProcessor(sessions, InboundSettings(verp_domain=settings.bounce_domain))


def is_message(message: InboundMessage) -> bool:
    """Bytes that parse as a message at all: a header block with an id or a sender."""
    return not (
        message.kind == InboundKind.UNMATCHED
        and message.message_id is None
        and message.sender is None
    )


async def receive(
    session: AsyncSession, client: Client, inbound: InboundProcessor, raw: bytes
) -> IngestOut:
    """Store and apply one posted message (once), then tell the candidate's workflow."""
    message = inbound.read(raw)
    if not is_message(message):
        raise Invalid("body", f"not an RFC 5322 message: {message.reason}")
    result = await inbound.ingest(
        raw, source=InboundSource.WEBHOOK.value, session=session, message=message
    )
    await session.commit()
    await deliver(session, client, inbound, result)
    return IngestOut(
        id=uuid.UUID(result.inbound_id),
        kind=result.kind,
        status=result.status,
        candidate_id=uuid.UUID(result.candidate_id) if result.candidate_id else None,
        touch_id=uuid.UUID(result.touch_id) if result.touch_id else None,
        notices=[notice.signal for notice in result.notices],
    )


async def deliver(
    session: AsyncSession, client: Client, inbound: InboundProcessor, result: IngestResult
) -> None:
    """Signal the notices, then mark them delivered. Should Temporal not answer, the request
    fails (503) with the message stored; the provider's retry is a duplicate that carries the
    notices still undelivered, and delivers them."""
    if not result.notices or result.candidate_id is None:
        return
    candidate = await candidate_repo.get_candidate(session, uuid.UUID(result.candidate_id))
    if candidate is None:
        return
    for notice in result.notices:
        await signal(client, candidate, HANDLERS[notice.signal], notice.argument)
    await inbound.mark_notified(result.inbound_id, session=session)
    await session.commit()


def inbound_out(
    record: InboundRecord, candidate: Candidate | None, touch: Touch | None
) -> InboundOut:
    fields = {name: getattr(record, name) for name in InboundOut.model_fields if name not in (
        "candidate", "touch")}  # fmt: skip
    return InboundOut(
        **fields,
        candidate=MatchedCandidate(
            id=candidate.id, full_name=candidate.full_name, owner=candidate.owner
        )
        if candidate
        else None,
        touch=MatchedTouch.model_validate(touch, from_attributes=True) if touch else None,
    )


async def listing(
    session: AsyncSession,
    principal: Principal,
    *,
    kind: str | None,
    status: str | None,
    limit: int,
    cursor: uuid.UUID | None,
) -> InboundPage:
    """Newest first; an owner sees only their own candidates' messages."""
    where = inbound_repo.InboundFilter(kind=kind, status=status, owner=principal.owner_filter(None))
    rows, next_cursor = await inbound_repo.list_inbound(session, where, limit=limit, before=cursor)
    return InboundPage(
        items=[inbound_out(record, candidate, touch) for record, candidate, touch in rows],
        next_cursor=next_cursor,
    )


async def classify(
    session: AsyncSession,
    client: Client,
    principal: Principal,
    inbound_id: uuid.UUID,
    body: ClassifyBody,
) -> InboundOut:
    """Say what a reply meant: the lifecycle moves on (interested → engaged, not now → later,
    not interested → greetings only), the hold is released and the owner's task closes."""
    record = await inbound_repo.get_inbound(session, inbound_id, lock=True)
    candidate = (
        await candidate_repo.get_candidate(session, record.candidate_id)
        if record is not None and record.candidate_id is not None
        else None
    )
    if record is None or candidate is None or not principal.holds(candidate.owner):
        raise NotFound("inbound message not found")
    interaction = (
        await interaction_repo.get_interaction(session, record.interaction_id)
        if record.interaction_id
        else None
    )
    if record.kind != InboundKind.REPLY or interaction is None:
        raise Conflict(f"only a reply is classified; this is {record.kind}")
    if record.sentiment is not None:
        raise Conflict(f"this reply is already classified as {record.sentiment}")
    now = datetime.now(UTC)
    record.sentiment = body.sentiment
    record.classified_at = now
    record.classified_by = principal.owner or principal.name
    task = await task_repo.get_task(session, record.task_id, lock=True) if record.task_id else None
    if task is not None and task.status == TaskStatus.OPEN:
        task.status = TaskStatus.DONE.value
        task.completed_at = now
        task.final_text = f"classified as {body.sentiment}"
    replied = RepliedBody(
        type="replied", sentiment=body.sentiment, channel=Channel.EMAIL, resume_on=body.resume_on
    )
    # Commits all of it, then signals the workflow.
    await lifecycle.replied(session, client, candidate, replied, interaction=interaction)
    touch = await inbound_repo.touch_of(session, record)
    return inbound_out(record, candidate, touch)
