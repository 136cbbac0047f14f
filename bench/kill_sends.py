"""Kill benchmark: how many emails a worker SIGKILLed in the middle of sending loses or doubles.

    .venv/bin/python -m bench.kill_sends            # 200 candidates, 3 kills 5 s apart

It starts, each on free ports and stopped afterwards: a fresh PostgreSQL database (as
`bench.fanout` finds one), a Temporal dev server (in memory, Rapport's search attributes), an
SMTP server in this process (aiosmtpd) that keeps the raw Message-ID of every message it
accepts, and `python worker.py` as a subprocess. Then it

1. writes N candidates whose birthday is today where the send window is open now, with email
   and consent, and starts their workflows as enrolment does: every birthday email is due now;
2. SIGKILLs the worker `--kills` times (3), each `--interval` seconds (5) after the first
   email it sent, and starts a new one straight away each time;
3. waits until every candidate's birthday touch is recorded (a killed worker's sends time out
   and are retried after 30 s) and the mailbox has been quiet for a while;
4. prints emails lost (a candidate with nothing received), delivered twice (a Message-ID
   received more than once), doubles per kill, and the touches flagged as possibly delivered
   twice, and how many of the doubles were not flagged.

Its parts (the counting SMTP server, the worker runner, the due candidates, the tally) live in
`harness/`, shared with the fault tests in `tests/faults/`, which assert what this measures.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from bench.stack import bench_database, say
from harness.population import Place, birthday_touches, due_birthdays, settle, start_all, tally
from harness.rig import rig

TASK_QUEUE = "rapport-kill-bench"
QUIET_SECONDS = 10.0


async def benchmark(count: int, kills: int, interval: float, give_up_after: float) -> None:
    logs = Path(tempfile.mkdtemp(prefix="rapport-kill-bench-"))
    say(f"logs in {logs}")
    with bench_database() as database_url:
        async with rig(database_url, logs, TASK_QUEUE) as hurt:
            place = Place.now()
            candidates = await due_birthdays(hurt.sessions, count, place, "bench")
            hurt.worker.start()
            started = time.monotonic()
            await start_all(hurt.client, hurt.settings, candidates)
            say(f"{count} birthday emails due now ({place.zone}, local {place.local:%H:%M})")

            for number, kill in enumerate(await hurt.kill_worker_while_sending(kills, interval)):
                say(
                    f"kill {number + 1} at {kill.at - started:.1f} s, {kill.received_before} "
                    f"emails received{'' if kill.after_a_send else ' (none since the restart)'}"
                )

            await settle(hurt.sessions, hurt.smtp, count, give_up_after, QUIET_SECONDS)
            touches = await birthday_touches(hurt.sessions)
            handler = hurt.smtp

    result = tally(touches, handler)
    doubled = sum(times - 1 for times in result.doubled.values())
    say(
        f"result: {count} candidates, {kills} kills {interval:g} s apart: {result.line()}; "
        f"{doubled / max(kills, 1):.2f} doubles per kill, "
        f"doubles not flagged {len(result.unflagged_doubles)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between kills")
    parser.add_argument("--give-up-after", type=float, default=300.0)
    args = parser.parse_args()
    asyncio.run(benchmark(args.candidates, args.kills, args.interval, args.give_up_after))


if __name__ == "__main__":
    main()
