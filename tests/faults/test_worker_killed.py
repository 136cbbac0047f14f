"""The worker SIGKILLed again and again while it sends 200 birthday emails.

None may be lost. A message may arrive twice only where a kill landed inside its SMTP exchange
(the touch claimed `sending` before DATA, the 250 not yet recorded); the retry then sends it
again and flags the touch `possibly_duplicate`. So: every candidate's Message-ID arrives, and
every Message-ID that arrives twice belongs to a flagged touch.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from harness.population import Place, birthday_touches, due_birthdays, settle, start_all, tally
from harness.rig import rig

pytestmark = pytest.mark.faults

CANDIDATES = 200
KILLS = 3
# Seconds after the first email of each worker: soon, so kills land while sends are in flight.
INTERVAL = 2.0
# Each kill strands the sends in flight until their 30 s start-to-close timeout, then they are
# retried; on a loaded machine the 200 sends themselves take a minute or more.
SETTLE_WITHIN = 300.0


async def test_a_worker_killed_while_sending_loses_nothing_and_flags_every_double(
    fault_database: str, tmp_path: Path, report: Callable[[str], None]
) -> None:
    async with rig(fault_database, tmp_path, "faults-worker-killed") as hurt:
        candidates = await due_birthdays(hurt.sessions, CANDIDATES, Place.now(), "killed")
        hurt.worker.start()
        await start_all(hurt.client, hurt.settings, candidates)
        kills = await hurt.kill_worker_while_sending(KILLS, INTERVAL)
        waited = await settle(hurt.sessions, hurt.smtp, CANDIDATES, SETTLE_WITHIN)
        result = tally(await birthday_touches(hurt.sessions), hurt.smtp)

    sending = sum(kill.after_a_send for kill in kills)
    report(f"{KILLS} kills ({sending} after a send): {result.line()}; settled in {waited:.0f} s")
    assert result.expected == CANDIDATES
    assert result.lost == [], f"{len(result.lost)} lost; logs in {tmp_path}"
    assert result.unflagged_doubles == [], f"doubled without the flag; logs in {tmp_path}"
    assert result.strays == []
