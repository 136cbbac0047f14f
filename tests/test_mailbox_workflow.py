"""The mailbox workflow on the time-skipping server with the real read activity (PostgreSQL,
dovecot): a refused login is recorded and published as `RapportMailboxHealth`, the next read
waits out its back-off, a fixed secret reads the folder, and a deleted mailbox ends its
workflow. Its history is kept in tests/histories/ for tests/test_replay.py (written again with
RAPPORT_RECORD_HISTORIES=1; codec off, so it holds plain ids and counts)."""

from __future__ import annotations

import os
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.inbound import InboundProcessor
from activities.mailbox import MailboxActivities
from api.inbound.service import HANDLERS
from harness.api_helpers import eventually
from harness.imap import ImapServer
from rapport.codec import new_key
from rapport.contracts.inbound import AUTO_REPLIED, OPTED_OUT, PROFILE_UPDATED, REPLIED
from rapport.db.models import Mailbox
from rapport.db.repositories import mailboxes as mailbox_repo
from rapport.sealing import Sealer
from rapport.search_attributes import MAILBOX_HEALTH
from rapport.settings import Settings
from workflows.mailbox import MailboxWorkflow
from workflows.mailboxes import start_reading

from .test_mailbox_reader import PASSWORD, USER, imap, message

# The time-skipping server without the payload codec: the history replays as recorded.
from .test_personal_data import plain_env

__all__ = ["imap", "plain_env"]  # the fixtures
HISTORY = Path(__file__).resolve().parent / "histories" / "mailbox_login_failed_then_read.json"
POLL = timedelta(seconds=60)


async def stored(sessions: async_sessionmaker[AsyncSession], mailbox_id: uuid.UUID) -> Mailbox:
    async with sessions() as session:
        mailbox = await mailbox_repo.get_mailbox(session, mailbox_id)
    assert mailbox is not None
    return mailbox


async def health_is(handle: WorkflowHandle[Any, Any], expected: str) -> bool:
    attributes = (await handle.describe()).typed_search_attributes
    return attributes.get(MAILBOX_HEALTH) == expected


async def test_a_refused_login_backs_off_then_a_fixed_secret_reads_and_delete_ends(
    plain_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    imap: ImapServer,
) -> None:
    folder = f"W{uuid.uuid4().hex[:8]}"
    for number in range(1, 4):
        imap.deliver(USER, message(1000 + number), folder)
    sealer, mailbox_id = Sealer(new_key()), uuid.uuid4()
    async with sessions.begin() as session:
        await mailbox_repo.add_mailbox(
            session, id=mailbox_id, name="w", host=imap.host, port=imap.port, security="none",
            username=USER, login_method="password", folder=folder,
            secret_sealed=sealer.seal("wrong", str(mailbox_id)),
        )  # fmt: skip
    reading = MailboxActivities(sessions, sealer, InboundProcessor(sessions))
    queue = f"mailbox-{uuid.uuid4().hex[:8]}"
    settings = Settings(_env_file=None, task_queue=queue, mailbox_poll_seconds=60)  # type: ignore[call-arg]
    async with Worker(
        plain_env.client,
        task_queue=queue,
        workflows=[MailboxWorkflow],
        activities=[reading.read_mailbox],
    ):
        await start_reading(plain_env.client, settings, mailbox_id)
        handle = plain_env.client.get_workflow_handle(f"mailbox-{mailbox_id}")

        async def refused() -> bool:
            return (await stored(sessions, mailbox_id)).health == "login_failed"

        await eventually(refused)

        await eventually(lambda: health_is(handle, "login_failed"))
        failing = await stored(sessions, mailbox_id)
        assert failing.consecutive_failures == 1 and failing.last_uid == 0
        assert "login refused" in (failing.last_error or "")

        async with sessions.begin() as session:
            row = await mailbox_repo.get_mailbox(session, mailbox_id)
            assert row is not None
            row.secret_sealed = sealer.seal(PASSWORD, str(mailbox_id))
        await plain_env.sleep(POLL + timedelta(seconds=1))  # the back-off: one poll

        async def read() -> bool:
            mailbox = await stored(sessions, mailbox_id)
            return mailbox.health == "ok" and mailbox.last_uid == 3

        await eventually(read)
        assert (await stored(sessions, mailbox_id)).consecutive_failures == 0
        await eventually(lambda: health_is(handle, "ok"))

        async with sessions.begin() as session:
            row = await mailbox_repo.get_mailbox(session, mailbox_id)
            assert row is not None
            await mailbox_repo.delete_mailbox(session, row)
        await plain_env.sleep(POLL + timedelta(seconds=1))  # the next read finds it gone

        async def ended() -> bool:
            return (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED

        await eventually(ended)
        history = await handle.fetch_history()
    if os.environ.get("RAPPORT_RECORD_HISTORIES"):
        HISTORY.write_text(history.to_json())


def test_every_notice_names_a_signal_of_the_candidate_workflow() -> None:
    """The reader signals by name (activities never import workflows): each notice's name must
    be the signal the API sends through CandidateWorkflow's typed handler."""
    for name, handler in HANDLERS.items():
        definition = getattr(handler, "__temporal_signal_definition")
        assert definition.name == name
    assert set(HANDLERS) == {OPTED_OUT, REPLIED, PROFILE_UPDATED, AUTO_REPLIED}
