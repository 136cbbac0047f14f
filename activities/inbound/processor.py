"""`InboundProcessor`: store a message once, match it, apply its effect, say what to signal."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.inbound import effects
from rapport.contracts.candidate import AutoReplied, OptedOut, ProfileUpdated, Replied
from rapport.contracts.inbound import (
    AUTO_REPLIED,
    OPTED_OUT,
    PROFILE_UPDATED,
    REPLIED,
    CandidateNotice,
    IngestResult,
)
from rapport.db.models import Candidate, InboundRecord, Touch
from rapport.db.models.inbound import MAX_STORED_BYTES
from rapport.db.repositories import candidates as candidate_repo
from rapport.db.repositories import inbound as inbound_repo
from rapport.facts import facts_from_candidate
from rapport.inbound import MAX_MESSAGE_BYTES, InboundMessage, classify
from rapport.vocabulary import Channel, InboundKind, InboundSource, InboundStatus, Sentiment


@dataclass(frozen=True)
class InboundSettings:
    # RAPPORT_BOUNCE_DOMAIN: the domain of the VERP return paths (bounces+<token>@domain).
    verp_domain: str | None = None
    max_bytes: int = MAX_MESSAGE_BYTES


def _clip(value: str | None, length: int) -> str | None:
    return value[:length] if value else value


class InboundProcessor:
    """Holds its dependencies; `ingest` is safe to call twice for one message, and inside a
    caller's transaction (the mailbox reader stores messages and its position together)."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        settings: InboundSettings | None = None,
    ) -> None:
        self._sessions = session_factory
        self._settings = settings or InboundSettings()

    def read(self, raw: bytes) -> InboundMessage:
        """Classify without storing anything (never raises)."""
        return classify(
            raw, max_bytes=self._settings.max_bytes, verp_domain=self._settings.verp_domain
        )

    async def ingest(
        self,
        raw: bytes,
        *,
        source: str,
        mailbox_id: uuid.UUID | None = None,
        session: AsyncSession | None = None,
        message: InboundMessage | None = None,
    ) -> IngestResult:
        """Store, match and apply one raw message; `message`: its classification, if the caller
        already has it. With `session`, everything is written in the caller's transaction
        (flushed, not committed); without, in a transaction of its own, committed."""
        InboundSource(source)  # refuses anything but webhook | mailbox
        read = message or self.read(raw)
        if session is not None:
            return await self._ingest(session, raw, read, source, mailbox_id)
        async with self._sessions.begin() as own:
            return await self._ingest(own, raw, read, source, mailbox_id)

    async def mark_notified(
        self, inbound_id: str | uuid.UUID, *, session: AsyncSession | None = None
    ) -> None:
        """The result's notices were delivered: a duplicate of this message carries none."""
        key = uuid.UUID(str(inbound_id))
        now = datetime.now(UTC)
        if session is not None:
            await inbound_repo.mark_notified(session, key, now)
            return
        async with self._sessions.begin() as own:
            await inbound_repo.mark_notified(own, key, now)

    async def undelivered(self, mailbox_id: uuid.UUID) -> list[IngestResult]:
        """A mailbox's stored messages whose notices never reached their workflow (the worker
        was lost between the commit and the signals): deliver these before reading on."""
        async with self._sessions() as session:
            results = []
            for record in await inbound_repo.undelivered(session, mailbox_id):
                assert record.candidate_id is not None
                candidate = await candidate_repo.get_candidate(session, record.candidate_id)
                notices = await self._notices(session, record)
                results.append(self._result(record, candidate, None, notices))
        return results

    # --- one message ----------------------------------------------------------------------
    async def _ingest(
        self,
        session: AsyncSession,
        raw: bytes,
        message: InboundMessage,
        source: str,
        mailbox_id: uuid.UUID | None,
    ) -> IngestResult:
        row = self._row(raw, message, source)
        inbound_id = await inbound_repo.claim_inbound(session, **row, mailbox_id=mailbox_id)
        if inbound_id is None:
            return await self._duplicate(session, message.idempotency_key)
        record = await inbound_repo.get_inbound(session, inbound_id)
        assert record is not None
        candidate, touch, matched_by = await self._match(session, message)
        if candidate is None:
            record.status = InboundStatus.UNMATCHED.value
            if message.kind == InboundKind.REPLY:
                record.kind = InboundKind.UNMATCHED.value  # nobody's reply: kept for review
            record.effect = "kept for review: matched no touch and no single candidate"
            await session.flush()
            return IngestResult(str(record.id), InboundKind(record.kind), InboundStatus.UNMATCHED)
        record.candidate_id = candidate.id
        record.touch_id = touch.id if touch else None
        record.matched_by = matched_by
        record.status = InboundStatus.PROCESSED.value
        outcome = await effects.apply(session, record, message, candidate, touch)
        record.effect = outcome.effect
        record.notices = outcome.notices
        await session.flush()
        return self._result(record, candidate, touch, await self._notices(session, record))

    def _row(self, raw: bytes, message: InboundMessage, source: str) -> dict[str, object]:
        bounce = message.bounce
        return {
            "idempotency_key": message.idempotency_key[:300],
            "source": source,
            "kind": message.kind.value,
            "status": InboundStatus.UNMATCHED.value,
            "reason": message.reason,
            "message_id": _clip(message.message_id, 300),
            "sender": _clip(message.sender, 320),
            "subject": _clip(message.subject, 300),
            "reply_text": message.reply_text,
            "raw": bytes(raw[:MAX_STORED_BYTES]),
            "raw_truncated": len(raw) > MAX_STORED_BYTES or message.truncated,
            "bounce_severity": bounce.severity.value if bounce else None,
            "bounce_status": _clip(bounce.status, 16) if bounce else None,
            "notices": [],
        }

    async def _match(
        self, session: AsyncSession, message: InboundMessage
    ) -> tuple[Candidate | None, Touch | None, str | None]:
        """By Rapport's own Message-IDs first (most reliable first), then by the address the
        message is about (the bounced or complaining recipient, else the sender) when exactly
        one candidate has it; never guessed."""
        if message.kind == InboundKind.UNMATCHED:
            return None, None, None  # not readable as a message: for review only
        for digest in message.touch_digests:
            touch = await inbound_repo.touch_by_digest(session, digest)
            if touch is not None:
                candidate = await candidate_repo.get_candidate(
                    session, touch.candidate_id, lock=True
                )
                return candidate, touch, "touch"
        if message.bounce is not None:
            address = message.bounce.recipient
        elif message.complaint is not None:
            address = message.complaint.recipient
        else:
            address = message.sender
        if address:
            found = await inbound_repo.candidates_with_email(session, address)
            if len(found) == 1:
                candidate = await candidate_repo.get_candidate(session, found[0].id, lock=True)
                return candidate, None, "address"
        return None, None, None

    async def _duplicate(self, session: AsyncSession, key: str) -> IngestResult:
        record = await inbound_repo.get_inbound_by_key(session, key[:300])
        assert record is not None
        candidate = (
            await candidate_repo.get_candidate(session, record.candidate_id)
            if record.candidate_id
            else None
        )
        notices = await self._notices(session, record) if record.notified_at is None else []
        result = self._result(record, candidate, None, notices)
        result.status = InboundStatus.DUPLICATE
        result.touch_id = str(record.touch_id) if record.touch_id else None
        return result

    @staticmethod
    def _result(
        record: InboundRecord,
        candidate: Candidate | None,
        touch: Touch | None,
        notices: list[CandidateNotice],
    ) -> IngestResult:
        return IngestResult(
            inbound_id=str(record.id),
            kind=InboundKind(record.kind),
            status=InboundStatus(record.status),
            candidate_id=str(candidate.id) if candidate else None,
            touch_id=str(touch.id) if touch else None,
            workflow_id=candidate.workflow_id if candidate else None,
            notices=notices,
        )

    async def _notices(self, session: AsyncSession, record: InboundRecord) -> list[CandidateNotice]:
        """The signals a message's row says its candidate's workflow must get, built from
        today's data (a profile update carries the facts as they are now)."""
        if not record.notices or record.candidate_id is None:
            return []
        candidate = await candidate_repo.get_candidate(session, record.candidate_id)
        if candidate is None:
            return []
        built: list[CandidateNotice] = []
        for kind in record.notices:
            if kind == OPTED_OUT:
                built.append(CandidateNotice(opted_out=OptedOut(channels=[Channel.EMAIL])))
            elif kind == REPLIED and record.interaction_id is not None:
                reply = Replied(
                    interaction_id=str(record.interaction_id),
                    sentiment=Sentiment.UNCLASSIFIED,
                    channel=Channel.EMAIL,
                )
                built.append(CandidateNotice(replied=reply))
            elif kind == PROFILE_UPDATED:
                facts = facts_from_candidate(candidate)
                built.append(CandidateNotice(profile_updated=ProfileUpdated(facts=facts)))
            elif kind == AUTO_REPLIED:
                built.append(CandidateNotice(auto_replied=AutoReplied(channel=Channel.EMAIL)))
        return built
