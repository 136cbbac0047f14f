"""The SMTP server refusing every message for now (451, to the envelope or to the message) for a
while, then accepting: each message arrives exactly once. A recipient refused for good (550)
fails its touch at once, with the server's reason, and is never tried again."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.population import Place, birthday_touches, due_birthdays, settle, start_all, tally
from harness.rig import rig

pytestmark = pytest.mark.faults

CANDIDATES = 30
# Refusing at least this long after the first refusal, and until there were as many refusals
# as messages.
REFUSING_SECONDS = 20.0
EVERY_ONE_REFUSED_WITHIN = 120.0
# Retries back off 5, 10, 20, 40 s: the last refused attempt is followed by one within 40 s.
SETTLE_WITHIN = 180.0


async def until(condition: Callable[[], bool], within: float) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, f"not within {within:g} s"
        await asyncio.sleep(0.2)


async def test_smtp_refusing_for_a_while_delivers_each_message_once_and_a_550_fails_once(
    fault_database: str, tmp_path: Path, report: Callable[[str], None]
) -> None:
    async with rig(fault_database, tmp_path, "faults-smtp") as hurt:
        place = Place.now()
        candidates = await due_birthdays(hurt.sessions, CANDIDATES, place, "deferred")
        [refused] = await due_birthdays(hurt.sessions, 1, place, "refused")
        assert refused.email is not None
        hurt.smtp.refuse.add(refused.email.lower())
        hurt.smtp.deferring.set()
        hurt.worker.start()
        await start_all(hurt.client, hurt.settings, [*candidates, refused])

        await until(lambda: hurt.smtp.deferred > 0, EVERY_ONE_REFUSED_WITHIN)
        started = time.monotonic()
        await until(lambda: hurt.smtp.deferred >= CANDIDATES, EVERY_ONE_REFUSED_WITHIN)
        await asyncio.sleep(max(0.0, REFUSING_SECONDS - (time.monotonic() - started)))
        hurt.smtp.deferring.clear()
        refusing = time.monotonic() - started
        assert hurt.smtp.count() == 0

        waited = await settle(hurt.sessions, hurt.smtp, CANDIDATES, SETTLE_WITHIN)
        touches = await birthday_touches(hurt.sessions)
        result = tally(touches, hurt.smtp, only={candidate.id for candidate in candidates})

    [failed] = [touch for touch in touches if touch.candidate_id == refused.id]
    report(
        f"refused {hurt.smtp.deferred_rcpt} envelopes and {hurt.smtp.deferred_data} messages "
        f"(451) over {refusing:.0f} s, then: {result.line()}; the 550: {failed.status}, tried "
        f"{hurt.smtp.rcpts[refused.email.lower()]} time(s); settled in {waited:.0f} s"
    )
    assert hurt.smtp.deferred_rcpt > 0 and hurt.smtp.deferred_data > 0
    assert result.lost == [], f"{len(result.lost)} lost; logs in {tmp_path}"
    assert result.doubled == {} and result.flagged == 0
    assert result.received == CANDIDATES
    assert failed.status == "failed"
    assert failed.reason is not None and "550" in failed.reason, failed.reason
    assert hurt.smtp.rcpts[refused.email.lower()] == 1
