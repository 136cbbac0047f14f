"""The Temporal dev server SIGKILLed and started again on the same file-backed database, once
while emails are in flight and once while workflows sleep, kept down past the moment their
timers fall due: every timer fires, no email is lost, none doubled unflagged, no workflow
fails.

The sleeping group's send window opens a minute or two from now (the window is frozen into
each workflow's policy when it starts), so their birthday emails wait on a timer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from harness.population import Place, birthday_touches, due_birthdays, settle, start_all, tally
from harness.processes import settings_of
from harness.rig import rig

pytestmark = pytest.mark.faults

SENDING, SLEEPING = 100, 100
# The sleeping group's window opens at the first whole minute this far ahead.
WINDOW_LEAD = timedelta(seconds=45)
DOWN_WHILE_SENDING = 5.0
# Down from this long before the sleepers' timers are due until as long after.
DOWN_AROUND_TIMERS = timedelta(seconds=8)
FIRST_SEND_WITHIN = 60.0
SETTLE_WITHIN = 240.0


def window_opening_soon(place: Place) -> tuple[str, datetime]:
    """A send window, local to `place`, opening at the first whole minute WINDOW_LEAD ahead."""
    local = datetime.now(UTC).astimezone(ZoneInfo(place.zone)) + WINDOW_LEAD
    opens = local.replace(second=0, microsecond=0) + timedelta(minutes=1)
    # The place is mid-morning to mid-afternoon, so the window starts and ends on its day.
    return f"{opens:%H:%M}-18:00", opens.astimezone(UTC)


async def sleep_until(moment: datetime) -> None:
    await asyncio.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()))


async def test_temporal_killed_while_sending_and_while_sleeping_loses_nothing(
    fault_database: str, tmp_path: Path, report: Callable[[str], None]
) -> None:
    async with rig(fault_database, tmp_path, "faults-temporal", durable=True) as hurt:
        place = Place.now()
        sending = await due_birthdays(hurt.sessions, SENDING, place, "sending")
        sleeping = await due_birthdays(hurt.sessions, SLEEPING, place, "sleeping")
        window, opens = window_opening_soon(place)
        hurt.worker.start()
        await start_all(hurt.client, settings_of(hurt.env, send_window=window), sleeping)
        await start_all(hurt.client, hurt.settings, sending)

        # 1. Killed while the first group's emails are in flight.
        assert await asyncio.to_thread(hurt.smtp.first.wait, FIRST_SEND_WITHIN), "no email"
        await asyncio.sleep(1.0)
        before_first = hurt.smtp.count()
        hurt.temporal.kill()
        await asyncio.sleep(DOWN_WHILE_SENDING)
        hurt.temporal.start()

        # 2. Killed while the second group sleeps, and down when their timers fall due.
        await sleep_until(opens - DOWN_AROUND_TIMERS)
        early = [t for t in await birthday_touches(hurt.sessions) if t.status == "sent"]
        before_second = hurt.smtp.count()
        hurt.temporal.kill()
        await sleep_until(opens + DOWN_AROUND_TIMERS)
        hurt.temporal.start()
        restarted = datetime.now(UTC)

        waited = await settle(hurt.sessions, hurt.smtp, SENDING + SLEEPING, SETTLE_WITHIN)
        touches = await birthday_touches(hurt.sessions)
        result = tally(touches, hurt.smtp)
        running = await hurt.client.count_workflows('ExecutionStatus = "Running"')
        assert hurt.worker.alive(), f"the worker died; logs in {tmp_path}"

    sleepers = {candidate.id for candidate in sleeping}
    woken = [t for t in touches if t.candidate_id in sleepers and t.sent_at is not None]
    latest = max((t.sent_at for t in woken if t.sent_at), default=restarted) - restarted
    report(
        f"killed with {before_first} of {SENDING} received and down {DOWN_WHILE_SENDING:g} s; "
        f"killed {DOWN_AROUND_TIMERS.seconds} s before {SLEEPING} timers were due "
        f"({before_second} received), down {2 * DOWN_AROUND_TIMERS.seconds} s; "
        f"{result.line()}; last sleeper sent {latest.total_seconds():.0f} s after the restart; "
        f"settled in {waited:.0f} s"
    )
    assert not [t for t in early if t.candidate_id in sleepers], "a timer fired early"
    assert result.lost == [], f"{len(result.lost)} lost; logs in {tmp_path}"
    assert result.unflagged_doubles == [], f"doubled without the flag; logs in {tmp_path}"
    assert result.strays == []
    assert all(t.sent_at is not None and t.sent_at >= opens for t in woken)
    assert running.count == SENDING + SLEEPING, "a workflow failed or ended"
