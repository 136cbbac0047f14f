"""Wake-storm benchmark: N candidates whose birthday wishes fall due at one instant, the time
from that instant until the Nth email reaches the SMTP server, next to N bare workflows that
wake at one instant and send one email each through an activity, on the same server in the
same run.

    .venv/bin/python -m bench.wake_storm --size 1000

A greeting goes out at the start of the send window on the day itself (or at once if the
window is already open), so the storm is made of the window: the benchmark picks a zone where
it is late morning now (any hour, UTC, works: one of the zones around the world is), the due
instant D as the first whole minute at least --lead seconds ahead, and starts the dev stack
(as bench.fanout does) with `RAPPORT_SEND_WINDOW` opening at D's local minute. Then it

1. imports N candidates (bench.enrolment's way) born on D's local day, with email and consent
   and no other channel, and lets the task queue settle: every workflow sleeps until D;
2. if the wait for D is long enough, times the bare side in it (else after the storm): N
   workflows started on a task queue of their own with a worker in this process, each
   sleeping until an instant B and then sending one email through an activity to the stack's
   SMTP server (its mailbox, `rapport.mailbox`, which writes each message to a file);
3. at D, times the storm: from D until the Nth birthday email is in the mailbox (the file's
   modification time), and the first;

prints both, the ratio of the bare time to Rapport's (≥ 0.8 is the goal: Rapport at 80 % of
the raw engine's pace), and writes them to bench/results/. A run whose enrolment or bare
phase has not finished before D stops with an error asking for a longer --lead.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import signal
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from temporalio.client import Client

from bench.bare import Mailer, start_waking, wake_queue
from bench.enrolment import import_patiently
from bench.measure import RESULTS, settle, write_results
from bench.stack import TASK_QUEUE, bench_database, dev_stack, say
from harness.api_helpers import birthday_on, country_without_holiday, enrolment, zone_in_send_window
from harness.stack import RunningStack

START_IN_FLIGHT = 32
WINDOW_HOURS = 3
# B is this far ahead when the first bare workflow starts: their starts (30 to 80/s here,
# slower under load) must be over by then.
BARE_LEAD_SECONDS = 20.0
BARE_STARTS_PER_SECOND = 10.0
POLL_SECONDS = 0.2


def default_lead(size: int) -> float:
    """Seconds from the start to the due instant: the stack's start (up to a minute on a loaded
    machine), the import (at 5/s, the slow end of this machine's figures under load) and its
    settling; what is left is spent on the bare side, or waited."""
    return 90.0 + size * 0.3


def due_instant(lead: float) -> datetime:
    """The first whole minute at least `lead` seconds from now (a send window has minutes)."""
    ahead = datetime.now(UTC) + timedelta(seconds=lead)
    return ahead.replace(second=0, microsecond=0) + timedelta(minutes=1)


def arrivals(mail_dir: Path, ignore: set[Path]) -> list[float]:
    """The modification times (UTC epoch seconds) of the messages in the mailbox, sorted,
    leaving out `ignore`."""
    found = []
    for path in mail_dir.glob("*.eml"):
        if path not in ignore:
            try:
                found.append(path.stat().st_mtime)
            except FileNotFoundError:
                continue  # being written: seen next time
    return sorted(found)


async def wait_for_mail(
    mail_dir: Path, ignore: set[Path], count: int, give_up_after: float
) -> list[float]:
    started = time.monotonic()
    while True:
        found = arrivals(mail_dir, ignore)
        if len(found) >= count:
            return found
        if time.monotonic() - started > give_up_after:
            raise TimeoutError(f"{len(found)} of {count} emails after {give_up_after:.0f} s")
        await asyncio.sleep(POLL_SECONDS)


def bare_lead(count: int) -> float:
    return count / BARE_STARTS_PER_SECOND + BARE_LEAD_SECONDS


async def sleep_until(moment: datetime) -> None:
    await asyncio.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()))


async def bare_storm(
    client: Client, stack: RunningStack, count: int, give_up_after: float
) -> dict[str, float]:
    """N bare workflows started, settled, woken at one instant B: seconds from B to the first
    and the Nth email in the mailbox."""
    mail_dir = stack.mail_dir
    before = set(mail_dir.glob("*.eml"))
    mailer = Mailer("127.0.0.1", int(stack.env["RAPPORT_SMTP_PORT"]))
    async with wake_queue(client, mailer) as queue:
        wake_at = datetime.now(UTC) + timedelta(seconds=bare_lead(count))
        started = await start_waking(queue, count, wake_at, START_IN_FLIGHT)
        # Started is enough: a first task that runs late still wakes at B (its sleep is what
        # is left of it). Settling is not awaited, its quiet seconds would eat into the lead.
        if (wake_at - datetime.now(UTC)).total_seconds() < 2:
            raise RuntimeError("the bare workflows were not all started before B")
        say(f"  bare: {count} started in {started:.1f} s, waking at {wake_at:%H:%M:%S} UTC")
        found = await wait_for_mail(mail_dir, before, count, give_up_after)
    wake = wake_at.timestamp()
    return {"first_seconds": found[0] - wake, "last_seconds": found[count - 1] - wake}


async def benchmark(
    stack: RunningStack, count: int, due: datetime, zone: str, give_up_after: float
) -> dict[str, Any]:
    client = await Client.connect(stack.temporal_address)
    key = stack.env["RAPPORT_ADMIN_API_KEY"]
    local_due = due.astimezone(ZoneInfo(zone))
    rows = [
        enrolment(
            timezone=zone,
            country=country_without_holiday(local_due.date()),
            birthday=birthday_on(local_due.date()),
            job_started_on=None,
            linkedin_url=None,
        )
        for _ in range(count)
    ]
    async with httpx.AsyncClient(
        base_url=stack.api_url, timeout=600, headers={"Authorization": f"Bearer {key}"}
    ) as api:
        say(f"importing {count} candidates born on {local_due:%d %B}, living in {zone}")
        imported = await import_patiently(api, rows)
        settled = await settle(client, TASK_QUEUE, give_up_after)
    say(f"  imported in {imported:.1f} s, settled {settled:.0f} s later")
    mail_dir = stack.mail_dir
    mail_dir.mkdir(parents=True, exist_ok=True)
    early = arrivals(mail_dir, set())
    left = (due - datetime.now(UTC)).total_seconds()
    if early or left < 2:
        raise RuntimeError(
            f"enrolment ran past the due instant ({left:.0f} s left, {len(early)} sent early):"
            " run again with a longer --lead"
        )
    bare: dict[str, float] | None = None
    if left > bare_lead(count) + 30 + count / 20:
        say(f"{left:.0f} s until the storm: timing the bare workflows first")
        bare = await bare_storm(client, stack, count, give_up_after)
        if (due - datetime.now(UTC)).total_seconds() < 2:
            raise RuntimeError("the bare phase ran into the storm: run again with a longer --lead")
    before = set(mail_dir.glob("*.eml"))
    say(f"waiting for the storm at {due:%H:%M:%S} UTC ({local_due:%H:%M} in {zone})")
    await sleep_until(due)
    found = await wait_for_mail(mail_dir, before, count, give_up_after)
    rapport = {
        "first_seconds": found[0] - due.timestamp(),
        "last_seconds": found[count - 1] - due.timestamp(),
    }
    if bare is None:
        await settle(client, TASK_QUEUE, give_up_after)
        say("timing the bare workflows")
        bare = await bare_storm(client, stack, count, give_up_after)
    return {
        "candidates": count,
        "zone": zone,
        "due_at": due.isoformat(),
        "import_seconds": round(imported, 1),
        "rapport_first_seconds": round(rapport["first_seconds"], 2),
        "rapport_last_seconds": round(rapport["last_seconds"], 2),
        "bare_first_seconds": round(bare["first_seconds"], 2),
        "bare_last_seconds": round(bare["last_seconds"], 2),
        "ratio": round(bare["last_seconds"] / max(rapport["last_seconds"], 0.01), 2),
    }


def report(figures: dict[str, Any]) -> str:
    count = figures["candidates"]
    rapport, bare = figures["rapport_last_seconds"], figures["bare_last_seconds"]
    firsts = figures["rapport_first_seconds"], figures["bare_first_seconds"]
    return "\n".join(
        [
            f"wake storm of {count} birthday emails due at {figures['due_at']}",
            f"  Rapport: {count}th email {rapport:.1f} s after the due instant"
            f" ({count / max(rapport, 0.01):.0f}/s; first after {firsts[0]:.1f} s)",
            f"  bare:    {count}th email {bare:.1f} s after the wake instant"
            f" ({count / max(bare, 0.01):.0f}/s; first after {firsts[1]:.1f} s)",
            f"  ratio bare / Rapport: {figures['ratio']:.2f} (goal ≥ 0.8)",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.wake_storm", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--size", "--candidates", type=int, default=1000, help="candidates (N)")
    parser.add_argument(
        "--lead", type=float, help="seconds from now to the due instant (default: by N)"
    )
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds for any phase")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the JSON goes")
    args = parser.parse_args()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    lead = args.lead if args.lead is not None else default_lead(args.size)
    due = due_instant(lead)
    zone, _ = zone_in_send_window(due)
    local = due.astimezone(ZoneInfo(zone))
    end = local + timedelta(hours=WINDOW_HOURS)
    window = f"{local:%H:%M}-{end:%H:%M}"
    say(f"due at {due:%H:%M} UTC: send window {window} in {zone}")
    try:
        with (
            bench_database() as database_url,
            dev_stack(database_url, None, None, {"send_window": window}) as stack,
        ):
            figures = asyncio.run(benchmark(stack, args.size, due, zone, args.timeout))
    except KeyboardInterrupt:
        say("interrupted; cleaned up")
        sys.exit(130)
    figures["lead_seconds"] = math.ceil(lead)
    say("\n" + report(figures))
    say(f"written to {write_results('wake_storm', figures, args.results)}")


if __name__ == "__main__":
    main()
