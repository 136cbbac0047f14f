"""One connected mailbox, read for as long as it is connected (`mailbox-<mailbox id>`).

A loop rather than a Temporal Schedule, because it is simpler and more robust here: one
workflow id per mailbox means one reader at a time (no overlapping runs to rule out), a
mailbox with more mail than one batch is read on at once instead of a poll later, a backlog
after an outage is caught up by the same loop, the health lives on one execution's search
attribute (`RapportMailboxHealth`) that operators can filter on, and a deleted or disabled
mailbox simply ends its own workflow at its next read (the API also terminates it at once).

Each iteration runs `read_mailbox` (activities.mailbox: one batch, each message and the
position after it in one transaction), publishes the health when it changed, then sleeps
`poll_seconds` (RAPPORT_MAILBOX_POLL_SECONDS) — at once again while messages remain, longer
after failed logins (the poll times the failures in a row, up to an hour) so that a revoked
password is not hammered. After MAILBOX_ITERATIONS_PER_RUN reads it continues as new. Its
input and results hold the mailbox's id, counts and a health word; nothing else.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    import rapport.timeouts as timeouts
    from activities.mailbox import MailboxActivities
    from rapport.contracts.mailbox import MailboxInput, ReadMailboxInput, ReadMailboxResult
    from rapport.search_attributes import MAILBOX_HEALTH
    from rapport.vocabulary import MailboxHealth


def pause_after(result: ReadMailboxResult, poll_seconds: int) -> timedelta:
    """How long to wait before the next read."""
    if result.health == MailboxHealth.OK and result.remaining:
        return timedelta(0)
    poll = timedelta(seconds=poll_seconds)
    if result.health == MailboxHealth.OK:
        return poll
    return min(poll * max(result.consecutive_failures, 1), timeouts.MAILBOX_FAILURE_BACKOFF_MAX)


@workflow.defn(name="MailboxWorkflow")
class MailboxWorkflow:
    def __init__(self) -> None:
        self._health = MailboxHealth.NEW

    @workflow.run
    async def run(self, input: MailboxInput) -> None:
        self._health = input.health
        for _ in range(timeouts.MAILBOX_ITERATIONS_PER_RUN):
            result = await workflow.execute_activity_method(
                MailboxActivities.read_mailbox,
                ReadMailboxInput(mailbox_id=input.mailbox_id),
                start_to_close_timeout=timeouts.MAILBOX_READ_START_TO_CLOSE,
                heartbeat_timeout=timeouts.MAILBOX_READ_HEARTBEAT,
                retry_policy=timeouts.MAILBOX_READ_RETRY,
                summary="read one batch",
            )
            if not result.active:
                workflow.set_current_details("deleted or disabled: not read any more")
                return
            if result.health != self._health:
                self._health = result.health
                workflow.upsert_search_attributes([MAILBOX_HEALTH.value_set(result.health.value)])
            workflow.set_current_details(
                f"{result.health.value}: {result.stored} stored, {result.remaining} left"
                + (
                    f", {result.consecutive_failures} failures in a row"
                    if result.consecutive_failures
                    else ""
                )
            )
            pause = pause_after(result, input.poll_seconds)
            if pause:
                await workflow.sleep(pause)
        workflow.continue_as_new(
            MailboxInput(input.mailbox_id, poll_seconds=input.poll_seconds, health=self._health)
        )

    @workflow.query(name="health")
    def health(self) -> str:
        return self._health.value
