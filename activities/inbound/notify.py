"""Telling a candidate's workflow what a message did: its notices, as the signals they name
(by name: activities never import workflows), after the message's transaction committed."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from activities.inbound.processor import InboundProcessor
from rapport.contracts.inbound import IngestResult


async def deliver(client: Client, inbound: InboundProcessor, result: IngestResult) -> int:
    """Signal the notices, then mark them delivered; how many were signalled. A workflow that
    has ended (its stage says why) needs none. Temporal not answering raises: the row keeps
    its notices undelivered, and the next read delivers them (InboundProcessor.undelivered)."""
    if not result.notices or result.workflow_id is None:
        return 0
    handle = client.get_workflow_handle(result.workflow_id)
    sent = 0
    for notice in result.notices:
        try:
            await handle.signal(notice.signal, notice.argument)
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND:
                raise
            break
        sent += 1
    await inbound.mark_notified(result.inbound_id)
    return sent
