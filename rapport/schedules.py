"""The Temporal schedule behind the owners' daily digest, kept in step with the settings."""

from __future__ import annotations

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleState,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

import workflows.timeouts as timeouts
from rapport.settings import Settings
from workflows.digest import OwnerDigestWorkflow
from workflows.models import OwnerDigestInput

DIGEST_SCHEDULE_ID = "owner-digest"
# Temporal appends the scheduled time: owner-digest-2026-11-28T17:00:00Z.
DIGEST_WORKFLOW_ID = "owner-digest"


def digest_schedule(settings: Settings) -> Schedule:
    at = settings.digest_at
    return Schedule(
        action=ScheduleActionStartWorkflow(
            OwnerDigestWorkflow.run,
            OwnerDigestInput(timezone=settings.digest_timezone),
            id=DIGEST_WORKFLOW_ID,
            task_queue=settings.task_queue,
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
        policy=SchedulePolicy(catchup_window=timeouts.DIGEST_CATCHUP),
        state=ScheduleState(note="one email per owner listing their candidates matched today"),
    )


async def ensure_digest_schedule(client: Client, settings: Settings) -> None:
    """Create the schedule, or bring an existing one to the current settings.

    A pause an operator set in the Temporal UI is kept: only the time, the zone and the
    workflow it starts follow the settings.
    """
    wanted = digest_schedule(settings)
    try:
        await client.create_schedule(DIGEST_SCHEDULE_ID, wanted)
    except ScheduleAlreadyRunningError:

        def update(current: ScheduleUpdateInput) -> ScheduleUpdate:
            wanted.state = current.description.schedule.state
            return ScheduleUpdate(schedule=wanted)

        await client.get_schedule_handle(DIGEST_SCHEDULE_ID).update(update)
