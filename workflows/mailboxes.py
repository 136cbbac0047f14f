"""Starting and stopping a mailbox's workflow, for the API (on create and delete) and the
worker (at start, every enabled mailbox, so one whose workflow was lost reads again)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from temporalio.client import Client
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.service import RPCError, RPCStatusCode

from rapport.contracts.mailbox import MailboxInput
from rapport.search_attributes import MAILBOX_HEALTH
from rapport.settings import Settings
from rapport.vocabulary import MailboxHealth
from workflows.mailbox import MailboxWorkflow


def mailbox_workflow_id(mailbox_id: uuid.UUID | str) -> str:
    return f"mailbox-{mailbox_id}"


async def start_reading(
    client: Client, settings: Settings, mailbox_id: uuid.UUID, health: str = MailboxHealth.NEW
) -> None:
    """Start its workflow, or find it running; one that ended (deleted, failed) starts anew."""
    await client.start_workflow(
        MailboxWorkflow.run,
        MailboxInput(
            str(mailbox_id),
            poll_seconds=settings.mailbox_poll_seconds,
            health=MailboxHealth(health),
        ),
        id=mailbox_workflow_id(mailbox_id),
        task_queue=settings.task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        search_attributes=TypedSearchAttributes([SearchAttributePair(MAILBOX_HEALTH, health)]),
        static_summary=f"mailbox {mailbox_id}",
    )


async def start_all(client: Client, settings: Settings, mailboxes: Iterable[uuid.UUID]) -> None:
    for mailbox_id in mailboxes:
        await start_reading(client, settings, mailbox_id)


async def stop_reading(client: Client, mailbox_id: uuid.UUID) -> None:
    """End its workflow now (it would end itself at its next read anyway)."""
    handle = client.get_workflow_handle(mailbox_workflow_id(mailbox_id))
    try:
        await handle.terminate(reason="mailbox deleted")
    except RPCError as err:
        if err.status != RPCStatusCode.NOT_FOUND:
            raise
