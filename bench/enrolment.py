"""Enrolment benchmark: how fast Rapport enrols N candidates, next to bare `start_workflow` of
as many sleeping workflows on the same server in the same run.

    .venv/bin/python -m bench.enrolment --candidates 1000

It starts `python -m rapport.devstack` on free ports with a fresh database (as bench.fanout
does), then times

1. `POST /api/candidates/import` of N candidates, requests of 250 rows, 4 in flight, from the
   first request until the last answered (every row's workflow is started before its row
   answers), and how long after that the task queue settles (every first workflow task run);
2. N single `POST /api/candidates`, 32 in flight;
3. N bare `start_workflow` calls of a workflow that sleeps for a year, on a task queue of its
   own with a worker in this process, 32 in flight (as the single enrolments; an API process
   keeps IMPORT_CONCURRENCY rows of its imports in flight, fewer), and then 4 in flight for
   reference;

prints each rate, the ratios of (1) and (2) to (3), and writes them to bench/results/.

With `--rounds K` it does (1) to (3) K times on the same server, the bare starts first in every
other round, and reports each round and the medians (a ratio: the median of the rounds' own
ratios). The machine's pace drifts by as much as half within an hour, and the phases of one
round are minutes apart, so one round's ratio says little; the bare starts at 4 in flight run
once, at the end.

Each phase is measured twice: until its last call answered (every workflow started), and until
every workflow it started has run its first task (the task queue settled: no backlog for
SETTLED_AFTER_SECONDS, which are not counted). The second is the time to a population that
sleeps until its next touch; the server hands out first workflow tasks behind the starts, for
bare workflows too, so only it shows what a workflow's first task costs.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from temporalio.client import Client

from api.candidates.imports import IMPORT_CONCURRENCY
from bench.bare import BareQueue, bare_queue, start_sleeping
from bench.measure import RESULTS, bounded, first_tasks_run, rate, settle, write_results
from bench.stack import TASK_QUEUE, bench_database, dev_stack, say, settings_given
from harness.api_helpers import enrolment
from harness.stack import RunningStack

IMPORT_BATCH = 250
IMPORTS_IN_FLIGHT = 4
SINGLES_IN_FLIGHT = 32
IMPORT_RETRIES = 10
BARE_IN_FLIGHT = SINGLES_IN_FLIGHT


async def import_all(api: httpx.AsyncClient, rows: list[dict[str, Any]]) -> float:
    """Import every row, IMPORT_BATCH per request, IMPORTS_IN_FLIGHT requests; seconds taken."""
    started = time.monotonic()

    async def one(batch: list[dict[str, Any]]) -> None:
        response = await api.post("/api/candidates/import", json=batch)
        response.raise_for_status()
        report = response.json()
        if report["created"] != len(batch):
            refused = [item for item in report["items"] if item["status"] != "created"]
            raise RuntimeError(f"import created {report['created']} of {len(batch)}: {refused[:3]}")

    batches = (
        one(rows[start : start + IMPORT_BATCH]) for start in range(0, len(rows), IMPORT_BATCH)
    )
    await bounded(IMPORTS_IN_FLIGHT, batches)
    return time.monotonic() - started


async def import_patiently(api: httpx.AsyncClient, rows: list[dict[str, Any]]) -> float:
    """Import every row as `import_all` does, but send a batch again after a 503 (Temporal or
    PostgreSQL not answering in time on a loaded machine: a client waits Retry-After and
    retries; a row already enrolled answers `existing`); seconds taken. For benchmarks that
    need the candidates, not the import's pace."""
    started = time.monotonic()

    async def one(batch: list[dict[str, Any]]) -> None:
        for _ in range(IMPORT_RETRIES):
            response = await api.post("/api/candidates/import", json=batch)
            if response.status_code != 503:
                break
            await asyncio.sleep(float(response.headers.get("Retry-After", "5")))
        response.raise_for_status()
        refused = [item for item in response.json()["items"] if item["status"] == "rejected"]
        if refused:
            raise RuntimeError(f"import rejected {len(refused)} of {len(batch)}: {refused[:3]}")

    batches = (
        one(rows[start : start + IMPORT_BATCH]) for start in range(0, len(rows), IMPORT_BATCH)
    )
    await bounded(IMPORTS_IN_FLIGHT, batches)
    return time.monotonic() - started


async def enrol_singly(api: httpx.AsyncClient, rows: list[dict[str, Any]]) -> float:
    started = time.monotonic()

    async def one(row: dict[str, Any]) -> None:
        response = await api.post("/api/candidates", json=row)
        if response.status_code != 201:
            raise RuntimeError(f"POST /api/candidates answered {response.status_code}")

    await bounded(SINGLES_IN_FLIGHT, (one(row) for row in rows))
    return time.monotonic() - started


@dataclass
class Round:
    """One round's seconds: Rapport's import and single enrolments, then bare starts (or the bare
    starts first, every other round), each until answered and until every workflow ran."""

    rapport_first: bool
    imported: float = 0.0
    import_ran: float = 0.0
    singles: float = 0.0
    singles_ran: float = 0.0
    bare: float = 0.0
    bare_ran: float = 0.0

    def ratios(self) -> dict[str, float]:
        return {
            "ratio_import": self.bare / self.imported,
            "ratio_single": self.bare / self.singles,
            "ratio_import_ran": self.bare_ran / self.import_ran,
            "ratio_single_ran": self.bare_ran / self.singles_ran,
        }


async def rapport_phases(
    api: httpx.AsyncClient, client: Client, count: int, give_up_after: float, round_: Round
) -> None:
    say(f"importing {count} candidates, {IMPORT_BATCH} a request, {IMPORTS_IN_FLIGHT} at once")
    round_.imported = await import_all(api, [enrolment() for _ in range(count)])
    round_.import_ran = round_.imported + await first_tasks_run(client, TASK_QUEUE, give_up_after)
    say(f"enrolling {count} candidates one by one ({SINGLES_IN_FLIGHT} in flight)")
    round_.singles = await enrol_singly(api, [enrolment() for _ in range(count)])
    round_.singles_ran = round_.singles + await first_tasks_run(client, TASK_QUEUE, give_up_after)


async def bare_phase(queue: BareQueue, count: int, give_up_after: float, round_: Round) -> None:
    say(f"baseline: {count} bare sleeping workflows started on the same server")
    round_.bare = await start_sleeping(queue, count, BARE_IN_FLIGHT)
    ran = await first_tasks_run(queue.client, queue.task_queue, give_up_after)
    round_.bare_ran = round_.bare + ran


async def benchmark(
    stack: RunningStack,
    count: int,
    give_up_after: float,
    results: Path = RESULTS,
    settings: dict[str, str] | None = None,
    rounds: int = 1,
) -> None:
    client = await Client.connect(stack.temporal_address)
    key = stack.env["RAPPORT_ADMIN_API_KEY"]
    figures: dict[str, Any] = {"candidates": count, "rounds": rounds, "settings": settings or {}}
    lines: list[str] = []
    measured: list[Round] = []

    def result(line: str) -> None:
        lines.append(f"  {line}")
        say(f"= {line}")

    async with (
        httpx.AsyncClient(
            base_url=stack.api_url, timeout=600, headers={"Authorization": f"Bearer {key}"}
        ) as api,
        bare_queue(client) as queue,
    ):
        for number in range(rounds):
            # Every other round the bare work goes first, so that a machine whose pace drifts
            # (this one's moves by half within an hour) favours neither side.
            round_ = Round(rapport_first=number % 2 == 0)
            phases = [
                rapport_phases(api, client, count, give_up_after, round_),
                bare_phase(queue, count, give_up_after, round_),
            ]
            for phase in phases if round_.rapport_first else reversed(phases):
                await phase
            measured.append(round_)
            result(
                f"round {number + 1} ({'Rapport' if round_.rapport_first else 'bare'} first):"
                f" import {rate(count, round_.imported)}, all ran {rate(count, round_.import_ran)};"
                f" singles {rate(count, round_.singles)}, all ran"
                f" {rate(count, round_.singles_ran)}; bare {rate(count, round_.bare)}, all ran"
                f" {rate(count, round_.bare_ran)}"
            )
        bare_few = await start_sleeping(queue, count, IMPORTS_IN_FLIGHT)
        await settle(client, queue.task_queue, give_up_after)

    # The median round's figures, and each ratio as the median of the rounds' own ratios.
    def middle(name: str) -> float:
        return statistics.median(getattr(r, name) for r in measured)

    imported, import_ran = middle("imported"), middle("import_ran")
    singles, singles_ran = middle("singles"), middle("singles_ran")
    bare, bare_ran = middle("bare"), middle("bare_ran")
    ratios = {
        name: statistics.median(r.ratios()[name] for r in measured) for name in measured[0].ratios()
    }
    median = " (medians of the rounds)" if rounds > 1 else ""
    result(
        f"import                {rate(count, imported)}; all ran {rate(count, import_ran)}{median}"
    )
    result(f"single enrolments     {rate(count, singles)}; all ran {rate(count, singles_ran)}")
    result(f"bare start_workflow   {rate(count, bare)}; all ran {rate(count, bare_ran)}")
    result(f"bare start_workflow   {rate(count, bare_few)} ({IMPORTS_IN_FLIGHT} in flight)")
    for kind, name in (("import", "ratio_import"), ("single", "ratio_single")):
        result(f"ratio {kind} / bare   {ratios[name]:.2f}; all ran {ratios[name + '_ran']:.2f}")
    figures.update(
        import_per_second=round(count / imported, 1),
        import_ran_per_second=round(count / import_ran, 1),
        single_per_second=round(count / singles, 1),
        single_ran_per_second=round(count / singles_ran, 1),
        bare_per_second=round(count / bare, 1),
        bare_ran_per_second=round(count / bare_ran, 1),
        bare_per_second_4_in_flight=round(count / bare_few, 1),
        **{name: round(value, 2) for name, value in ratios.items()},
        each_round=[
            {
                "rapport_first": r.rapport_first,
                **{name: round(value, 2) for name, value in r.ratios().items()},
                "seconds": {
                    name: round(getattr(r, name), 1)
                    for name in (
                        "imported",
                        "import_ran",
                        "singles",
                        "singles_ran",
                        "bare",
                        "bare_ran",
                    )
                },
            }
            for r in measured
        ],
        import_batch=IMPORT_BATCH,
        imports_in_flight=IMPORTS_IN_FLIGHT,
        import_concurrency=IMPORT_CONCURRENCY,
        singles_in_flight=SINGLES_IN_FLIGHT,
        bare_in_flight=BARE_IN_FLIGHT,
    )
    say(f"\nenrolment of {count} candidates\n" + "\n".join(lines))
    say(f"written to {write_results('enrolment', figures, results)}")


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.enrolment", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--candidates", type=int, default=1000, help="candidates (N)")
    parser.add_argument(
        "--timeout", type=float, default=3600.0, help="seconds to wait for any one phase"
    )
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the JSON goes")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="rounds of Rapport's phases and the bare starts, alternating which goes first;"
        " the figures are the rounds' medians",
    )
    parser.add_argument(
        "--setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a RAPPORT_<NAME> setting for the stack (worker_workflow_task_polls=20)",
    )
    args = parser.parse_args()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        settings = settings_given(args.setting)
        with (
            bench_database() as database_url,
            dev_stack(database_url, None, None, settings) as stack,
        ):
            asyncio.run(
                benchmark(stack, args.candidates, args.timeout, args.results, settings, args.rounds)
            )
    except KeyboardInterrupt:
        say("interrupted; cleaned up")
        sys.exit(130)


if __name__ == "__main__":
    main()
