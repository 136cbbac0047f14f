"""Fan-out benchmark: how long a vacancy takes to reach N enrolled candidates on the dev server,
next to the raw rate of signalling N bare workflows on the same server.

    .venv/bin/python -m bench.fanout --candidates 1000

It starts `python -m rapport.devstack` on free ports, with a data dir of its own under the temp
dir and a fresh PostgreSQL database (on 127.0.0.1:5432 if a server answers there, else an
embedded one), configured as the end-to-end tests configure it (every day a send day, vacancy
messages not batched) but with the default fan-out page size and concurrency unless
--page-size / --concurrency say otherwise. Then it

1. enrols N candidates through `POST /api/candidates/import` (batches of 500, 4 in flight), all
   fitting the vacancy, living where the send window is open now, with email and consent, so
   that each candidate's workflow decides the moment it hears of the vacancy;
2. opens the vacancy and times, from just before `POST /api/vacancies`, until the vacancy
   workflow has signalled everyone (`fanned_out`) and until every candidate's workflow has
   recorded its decision (`notified + skipped + cancelled == N` in `GET /api/vacancies/{id}`);
3. starts N bare workflows on a task queue of their own, served by a worker in this process
   with the same default options as Rapport's worker, and times signalling all of them from
   the client, 20 in flight, until the last has completed: twice, once workflows that only
   complete, once workflows that send one email through an activity to the stack's SMTP
   server and then complete (the same work as a candidate's decision: the ratio's baseline);
4. prints the figures and the ratios of (2) to (3), stops the stack with SIGTERM and drops the
   database, on Ctrl-C or an error too (after an error the data dir with the logs is kept).

With `--rounds K` it does (1), (2) and the one-email baseline K times on one server (N new
candidates and a vacancy each round, the baseline first every other round) and gives each
round's ratio and their median: one round's moves with the machine's pace. The baseline that
only completes runs once, at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import statistics
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from bench.bare import Mailer
from bench.baseline import SIGNALS_IN_FLIGHT, bare_baseline
from bench.measure import POLL_SECONDS, bounded, rate, settle
from bench.stack import TASK_QUEUE, bench_database, dev_stack, more_workers, say, settings_given
from harness.api_helpers import country_without_holiday, enrolment, zone_in_send_window
from harness.stack import RunningStack
from rapport.settings import Settings

IMPORT_BATCH = 500
IMPORTS_IN_FLIGHT = 4
OWNERS = 10


# --- Rapport's fan-out ----------------------------------------------------------------------------
def candidate_rows(count: int, skill: str) -> list[dict[str, Any]]:
    zone, local_now = zone_in_send_window()
    country = country_without_holiday(local_now.date())
    say(f"candidates live in {zone} ({local_now:%a %H:%M} there), country {country}")
    owners = [f"owner{number}-{skill}@example.com" for number in range(OWNERS)]
    return [
        enrolment(
            timezone=zone,
            country=country,
            birthday=None,
            job_started_on=None,
            skills=[skill, "sql"],
            current_title="Data Engineer",
            location="Berlin",
            relationship={
                "origin": "former_colleague",
                "rapport": "warm",
                "owner": owners[number % OWNERS],
                "owner_role": "employee",
            },
        )
        for number in range(count)
    ]


async def enrol(api: httpx.AsyncClient, rows: list[dict[str, Any]]) -> float:
    """Import every row, a batch of 500 per request, 4 requests in flight; seconds taken."""
    started = time.monotonic()
    done = 0

    async def one(batch: list[dict[str, Any]]) -> None:
        nonlocal done
        response = await api.post("/api/candidates/import", json=batch)
        response.raise_for_status()
        report = response.json()
        if report["created"] != len(batch):
            refused = [item for item in report["items"] if item["status"] != "created"]
            raise RuntimeError(f"import created {report['created']} of {len(batch)}: {refused[:3]}")
        done += len(batch)
        say(f"  enrolled {done}/{len(rows)} ({done / (time.monotonic() - started):.0f}/s)")

    batches = (
        one(rows[start : start + IMPORT_BATCH]) for start in range(0, len(rows), IMPORT_BATCH)
    )
    await bounded(IMPORTS_IN_FLIGHT, batches)
    return time.monotonic() - started


@dataclass
class FanOutTimes:
    last_signal: float  # the vacancy workflow's last signal delivered, from its histories
    fanned_out: float  # GET first answered `fanned_out: true`
    decided: float  # GET first counted every candidate as notified, skipped or cancelled
    state: dict[str, Any]


async def last_signal_delivered(client: Client, workflow_id: str) -> datetime:
    """When the server recorded the last signal the vacancy workflow sent, over all its runs
    (it continues as new every few pages)."""
    last: datetime | None = None
    async for run in client.list_workflows(f'WorkflowId="{workflow_id}"'):
        handle = client.get_workflow_handle(workflow_id, run_id=run.run_id)
        async for event in handle.fetch_history_events():
            if event.event_type == EventType.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED:
                at = event.event_time.ToDatetime(tzinfo=UTC)
                last = at if last is None else max(last, at)
    if last is None:
        raise RuntimeError(f"{workflow_id} has signalled no one")
    return last


async def open_vacancy(
    api: httpx.AsyncClient,
    client: Client,
    skill: str,
    count: int,
    give_up_after: float,
    progress: float,
) -> FanOutTimes:
    """Open the vacancy and poll it until everyone has decided.

    Times are taken when each GET is sent: the counts are read first thing, while the
    `fanned_out` flag comes from a query to the vacancy workflow, which waits behind the
    candidates' tasks on the busy worker.
    """
    body = {
        "external_id": f"bench-{uuid.uuid4().hex[:8]}",
        "title": "Senior Data Engineer",
        "description": "Streaming pipelines for our marketplace.",
        "skills": [skill, "sql", "kafka"],
        "seniority": "senior",
        "location": "Berlin",
        "remote": False,
        "hiring_manager": "maria.hm@example.com",
    }
    opened_at = datetime.now(UTC)
    t0 = time.monotonic()
    created = await api.post("/api/vacancies", json=body)
    if created.status_code != 201:
        raise RuntimeError(f"POST /api/vacancies answered {created.status_code}: {created.text}")
    vacancy = created.json()
    fanned_out: float | None = None
    decided: float | None = None
    reported = t0
    while True:
        sent = time.monotonic() - t0
        response = await api.get(f"/api/vacancies/{vacancy['id']}")
        response.raise_for_status()
        state: dict[str, Any] = response.json()
        if fanned_out is None and state["fanned_out"]:
            fanned_out = sent
        if decided is None and state["notified"] + state["skipped"] + state["cancelled"] >= count:
            decided = sent
        if fanned_out is not None and decided is not None:
            break
        if sent - (reported - t0) >= progress:
            reported = time.monotonic()
            say(
                f"  {sent:5.0f} s: matched {state['matched']}, notified {state['notified']},"
                f" skipped {state['skipped']}, pending {state['pending']},"
                f" fanned_out {state['fanned_out']}"
            )
        if sent > give_up_after:
            raise TimeoutError(f"not decided after {give_up_after:.0f}s: {state}")
        await asyncio.sleep(POLL_SECONDS)
    last = await last_signal_delivered(client, vacancy["workflow_id"])
    return FanOutTimes((last - opened_at).total_seconds(), fanned_out, decided, state)


# --- the run --------------------------------------------------------------------------------------
async def benchmark(
    stack: RunningStack,
    count: int,
    give_up_after: float,
    progress: float,
    workers: int = 1,
    rounds: int = 1,
) -> None:
    defaults = Settings.model_fields
    page_size = stack.env.get("RAPPORT_FANOUT_PAGE_SIZE", defaults["fanout_page_size"].default)
    concurrency = stack.env.get(
        "RAPPORT_FANOUT_CONCURRENCY", defaults["fanout_concurrency"].default
    )
    summary = [
        f"fan-out to {count} candidates (page size {page_size}, concurrency {concurrency},"
        f" {workers} worker process{'es' if workers > 1 else ''})"
    ]

    def result(line: str) -> None:
        """Said at once, so that a later failure loses nothing, and again in the summary."""
        summary.append(f"  {line}")
        say(f"= {line}")

    client = await Client.connect(stack.temporal_address)
    key = stack.env["RAPPORT_ADMIN_API_KEY"]
    mailer = Mailer("127.0.0.1", int(stack.env["RAPPORT_SMTP_PORT"]))
    decided: list[float] = []
    sent: list[float] = []

    async def rapport_round(api: httpx.AsyncClient) -> None:
        # New candidates each round, with a skill of their own: those of an earlier round have
        # had their vacancy email, and their contact budget would skip the next.
        skill = f"bench{uuid.uuid4().hex[:6]}"
        rows = candidate_rows(count, skill)
        say(f"enrolling {count} candidates")
        enrolled = await enrol(api, rows)
        result(f"enrolment                {rate(count, enrolled)}")
        waited = await settle(client, TASK_QUEUE, give_up_after)
        result(f"  workflows settled      {waited:.0f} s after the last import answered")
        say("opening the vacancy")
        times = await open_vacancy(api, client, skill, count, give_up_after, progress)
        result(
            f"fan-out: last signal     {times.last_signal:.1f} s after POST /api/vacancies"
            f" (GET showed fanned_out at {times.fanned_out:.1f} s)"
        )
        result(f"every candidate decided  {rate(count, times.decided)}")
        state = times.state
        if state["notified"] != count:
            result(f"  notified {state['notified']}, skipped {state['skipped']}"
                   f" ({state['skipped_reasons']}), cancelled {state['cancelled']}")  # fmt: skip
        await settle(client, TASK_QUEUE, give_up_after)
        decided.append(times.decided)

    async def bare_round() -> None:
        say(f"baseline: {count} bare workflows that send one email each, on the same server")
        sending = await bare_baseline(client, count, give_up_after, mailer)
        result(
            f"bare: signal, one email, completed  {rate(count, sending.completed)}"
            f" (signals sent in {sending.signalled:.1f} s)"
        )
        sent.append(sending.completed)

    async with httpx.AsyncClient(
        base_url=stack.api_url, timeout=600, headers={"Authorization": f"Bearer {key}"}
    ) as api:
        for number in range(rounds):
            # Every other round the bare work goes first, so that a machine whose pace drifts
            # favours neither side.
            first, second = (
                (rapport_round(api), bare_round())
                if number % 2 == 0
                else (bare_round(), rapport_round(api))
            )
            await first
            await second
            if rounds > 1:
                result(f"round {number + 1}: ratio {sent[-1] / decided[-1]:.2f} x raw")

    say(f"baseline: {count} bare workflows on the same server")
    bare = await bare_baseline(client, count, give_up_after)
    result(f"bare: start              {rate(count, bare.started)}")
    result(
        f"bare: signal, completed  {rate(count, bare.completed)}"
        f" (signals sent in {bare.signalled:.1f} s, {SIGNALS_IN_FLIGHT} in flight)"
    )
    ratios = [bare_sent / rapport for bare_sent, rapport in zip(sent, decided, strict=True)]
    median = " (the median of the rounds' ratios)" if rounds > 1 else ""
    result(
        f"ratio                    {statistics.median(ratios):.2f} x raw"
        f" (bare signalled, one email each, completed / every candidate decided){median}"
    )
    result(
        f"                         {bare.completed / statistics.median(decided):.2f} x raw"
        " against bare workflows that only complete"
    )
    say("\n" + "\n".join(summary))


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.fanout", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--candidates", type=int, default=1000, help="enrolled candidates (N)")
    parser.add_argument(
        "--page-size", type=int, help="RAPPORT_FANOUT_PAGE_SIZE (default: Rapport's)"
    )
    parser.add_argument(
        "--concurrency", type=int, help="RAPPORT_FANOUT_CONCURRENCY (default: Rapport's)"
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="worker processes (more than the stack's one)"
    )
    parser.add_argument(
        "--setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a RAPPORT_<NAME> setting for the stack (worker_max_cached_workflows=2000)",
    )
    parser.add_argument(
        "--timeout", type=float, default=3600.0, help="seconds to wait for any one phase"
    )
    parser.add_argument(
        "--progress", type=float, default=10.0, help="seconds between progress lines"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="rounds of (2) and the bare one-email work, alternating which goes first, each"
        " with N new candidates; the ratio is the median of the rounds'",
    )
    args = parser.parse_args()
    # Ctrl-C and SIGTERM both clean up (even when started in the background, where a shell
    # leaves SIGINT ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        with (
            bench_database() as database_url,
            dev_stack(
                database_url, args.page_size, args.concurrency, settings_given(args.setting)
            ) as stack,
            more_workers(stack, args.workers - 1),
        ):
            asyncio.run(
                benchmark(
                    stack, args.candidates, args.timeout, args.progress, args.workers, args.rounds
                )
            )
    except KeyboardInterrupt:
        say("interrupted; cleaned up")
        sys.exit(130)


if __name__ == "__main__":
    main()
