"""The Temporal schedule behind the owners' daily digest, kept in step with the settings."""

from __future__ import annotations

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleState,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

import rapport.timeouts as timeouts
from rapport.contracts.digest import OwnerDigestInput
from rapport.settings import Settings
from workflows.digest import OwnerDigestWorkflow

DIGEST_SCHEDULE_ID = "owner-digest"
# Temporal appends the scheduled time: owner-digest-2026-11-28T17:00:00Z.
DIGEST_WORKFLOW_ID = "owner-digest"
RUNNING_NOTE = "one email per owner listing their candidates matched today"
PAUSED_NOTE = "paused by RAPPORT_DIGEST_PAUSED"


def digest_schedule(settings: Settings) -> Schedule:
    at = settings.digest_at
    return Schedule(
        action=ScheduleActionStartWorkflow(
            OwnerDigestWorkflow.run,
            OwnerDigestInput(timezone=settings.digest_timezone),
            id=DIGEST_WORKFLOW_ID,
            task_queue=settings.task_queue,
            execution_timeout=timeouts.DIGEST_RUN_TIMEOUT,
            static_summary="the owners' daily digest",
        ),
        spec=ScheduleSpec(
            calendars=[
                ScheduleCalendarSpec(
                    hour=[ScheduleRange(at.hour)],
                    minute=[ScheduleRange(at.minute)],
                    comment=f"daily at {settings.digest_time} {settings.digest_timezone}",
                )
            ],
            time_zone_name=settings.digest_timezone,
        ),
        policy=SchedulePolicy(
            overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timeouts.DIGEST_CATCHUP
        ),
        state=ScheduleState(
            note=PAUSED_NOTE if settings.digest_paused else RUNNING_NOTE,
            paused=settings.digest_paused,
        ),
    )


async def ensure_digest_schedule(client: Client, settings: Settings) -> None:
    """Create the schedule, or bring an existing one to the current settings.

    A pause an operator set in the Temporal UI is kept: only the time, the zone and the
    workflow it starts follow the settings. `RAPPORT_DIGEST_PAUSED` pauses it, and turned off
    again, lifts its own pause (told apart from an operator's by the schedule's note).
    """
    wanted = digest_schedule(settings)
    try:
        await client.create_schedule(DIGEST_SCHEDULE_ID, wanted)
    except ScheduleAlreadyRunningError:

        def update(current: ScheduleUpdateInput) -> ScheduleUpdate:
            state = current.description.schedule.state
            paused_by_setting = state.paused and state.note == PAUSED_NOTE
            if not settings.digest_paused and not paused_by_setting:
                wanted.state = state
            return ScheduleUpdate(schedule=wanted)

        await client.get_schedule_handle(DIGEST_SCHEDULE_ID).update(update)
