"""`read_mailbox`: one batch of a connected mailbox, read from where it stands, each message
ingested and the position advanced in one transaction.

After a crash nothing is read twice or skipped: a message and the position after it commit
together, so the next attempt starts right after the last message stored (ingest is idempotent
by Message-ID besides, for a folder whose UIDVALIDITY changed and is read from the start). The
notices of each message are signalled after its commit; a worker lost in between leaves them
undelivered on the row, and the next read delivers them first.

A failed login or an unreachable server is not an activity failure: it is recorded on the
row (`health`, `last_error`, `consecutive_failures`) and reported as the read's health, which
the workflow publishes as the `RapportMailboxHealth` search attribute. Only a database away
fails the activity (Temporal retries it). The secret is opened here, from PostgreSQL, and goes
nowhere else; the activity's input and result carry the mailbox's id, counts and health.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from activities.inbound import InboundProcessor
from activities.inbound.notify import deliver
from activities.mailbox_reader import (
    LoginMethod,
    MailboxAccount,
    MailboxBatch,
    MailboxError,
    MailboxLoginFailed,
    MailboxPosition,
    MailboxReader,
    Security,
)
from rapport.contracts.mailbox import ReadMailboxInput, ReadMailboxResult
from rapport.db.models import Mailbox
from rapport.db.repositories import mailboxes as mailbox_repo
from rapport.sealing import Sealer, SealingError
from rapport.vocabulary import InboundSource, MailboxHealth

# Well inside rapport.timeouts.MAILBOX_READ_HEARTBEAT.
HEARTBEAT_EVERY_SECONDS = 5.0


@dataclass(frozen=True)
class MailboxSettings:
    # RAPPORT_MAILBOX_BATCH_SIZE: messages read per activity run.
    batch_size: int = 50
    imap_timeout: float = 30.0


def account_of(mailbox: Mailbox, secret: str) -> MailboxAccount:
    return MailboxAccount(
        host=mailbox.host,
        port=mailbox.port,
        username=mailbox.username,
        secret=secret,
        login_method=LoginMethod(mailbox.login_method),
        folder=mailbox.folder,
        security=Security(mailbox.security),
    )


class MailboxActivities:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        sealer: Sealer,
        inbound: InboundProcessor,
        settings: MailboxSettings | None = None,
    ) -> None:
        self._sessions = session_factory
        self._sealer = sealer
        self._inbound = inbound
        self._settings = settings or MailboxSettings()

    @activity.defn(name="read_mailbox")
    async def read_mailbox(self, request: ReadMailboxInput) -> ReadMailboxResult:
        mailbox_id = uuid.UUID(request.mailbox_id)
        async with self._sessions() as session:
            mailbox = await mailbox_repo.get_mailbox(session, mailbox_id)
        if mailbox is None or not mailbox.enabled:
            return ReadMailboxResult(active=False)
        notices = 0
        for pending in await self._inbound.undelivered(mailbox_id):
            notices += await deliver(activity.client(), self._inbound, pending)
        try:
            secret = self._sealer.open(mailbox.secret_sealed, str(mailbox.id))
            batch = await self._read(mailbox, secret)
        except MailboxLoginFailed as err:
            return await self._failed(mailbox, MailboxHealth.LOGIN_FAILED, str(err), notices)
        except (MailboxError, SealingError) as err:
            return await self._failed(mailbox, MailboxHealth.UNREACHABLE, str(err), notices)
        stored = 0
        for message in batch.messages:
            async with self._sessions.begin() as session:
                result = await self._inbound.ingest(
                    message.raw, source=InboundSource.MAILBOX.value, mailbox_id=mailbox_id,
                    session=session,
                )  # fmt: skip
                await mailbox_repo.store_position(
                    session, mailbox_id, batch.position.uidvalidity, message.uid
                )
            stored += 1
            notices += await deliver(activity.client(), self._inbound, result)
            activity.heartbeat(stored)
        async with self._sessions.begin() as session:
            # Also when nothing was new: the folder's UIDVALIDITY and the highest UID seen.
            await mailbox_repo.store_position(
                session, mailbox_id, batch.position.uidvalidity, batch.position.last_uid
            )
            await mailbox_repo.read_ok(session, mailbox_id, datetime.now(UTC))
        return ReadMailboxResult(
            active=True, health=MailboxHealth.OK, stored=stored, remaining=batch.remaining,
            notices=notices,
        )  # fmt: skip

    async def _read(self, mailbox: Mailbox, secret: str) -> MailboxBatch:
        reader = MailboxReader(account_of(mailbox, secret), timeout=self._settings.imap_timeout)
        position = MailboxPosition(mailbox.uidvalidity, mailbox.last_uid)
        # imaplib is blocking: a thread, so the worker's event loop goes on, heartbeating while
        # a slow server sends a large batch (else its heartbeat timeout would retry it forever).
        reading = asyncio.ensure_future(
            asyncio.to_thread(reader.read, position, batch_size=self._settings.batch_size)
        )
        while not reading.done():
            activity.heartbeat(0)
            await asyncio.wait({reading}, timeout=HEARTBEAT_EVERY_SECONDS)
        return reading.result()

    async def _failed(
        self, mailbox: Mailbox, health: MailboxHealth, error: str, notices: int
    ) -> ReadMailboxResult:
        activity.logger.warning("mailbox %s: %s", mailbox.id, health.value)
        async with self._sessions.begin() as session:
            failures = await mailbox_repo.read_failed(
                session, mailbox.id, health, error, datetime.now(UTC)
            )
        return ReadMailboxResult(
            active=True, health=health, consecutive_failures=failures, notices=notices
        )
