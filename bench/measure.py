"""Measuring on a busy Temporal server: bounded concurrency, the task queue's backlog, waiting
until it settles, and rates."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import time
from collections.abc import Awaitable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client
from temporalio.service import RPCError

POLL_SECONDS = 0.25
SETTLED_AFTER_SECONDS = 3.0
RPC_TIMEOUT = timedelta(seconds=30)
RESULTS = Path(__file__).resolve().parent / "results"


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


async def first_tasks_run(client: Client, task_queue: str, give_up_after: float) -> float:
    """Seconds until every workflow started on the queue has run its first task: until the
    queue settled, less the quiet time that tells it has."""
    return max(await settle(client, task_queue, give_up_after) - SETTLED_AFTER_SECONDS, 0.0)


async def all_published(database_url: str, count: int, give_up_after: float) -> float:
    """Wait until `count` candidates' workflows have stored their status (and plan state): the
    task queue's backlog can read 0 while first workflow tasks are still being worked through,
    and those would share the machine with the measurement. Seconds waited."""
    started = time.monotonic()
    plain = libpq_url(database_url)
    async with await psycopg.AsyncConnection.connect(plain, autocommit=True) as connection:
        while True:
            cursor = await connection.execute(
                "SELECT count(*) FROM candidate_status WHERE plan_state IS NOT NULL"
            )
            row = await cursor.fetchone()
            if row is not None and row[0] >= count:
                return time.monotonic() - started
            if time.monotonic() - started > give_up_after:
                raise TimeoutError(f"{row[0] if row else 0} of {count} statuses published")
            await asyncio.sleep(1.0)


def vacuum(database_url: str) -> None:
    """VACUUM ANALYZE the database, as autovacuum does some time after a bulk import: the pages
    are then measured against planner statistics and indexes in their everyday state, not
    while autovacuum works through 10,000 new rows (and its GIN indexes' pending entries)."""
    with psycopg.connect(libpq_url(database_url), autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")


def libpq_url(database_url: str) -> str:
    """SQLAlchemy's `postgresql+psycopg://` URL as psycopg itself takes it."""
    return database_url.replace("postgresql+psycopg://", "postgresql://", 1)


def rate(count: int, seconds: float) -> str:
    return f"{count} in {seconds:.1f} s = {count / seconds:.0f}/s"


def percentile(samples: list[float], fraction: float) -> float:
    """The sample at `fraction` (0.5, 0.99) of the sorted samples, nearest rank."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def write_results(name: str, figures: dict[str, Any], directory: Path = RESULTS) -> Path:
    """<directory>/<name>-<UTC time>.json (bench/results by default), with when and where it
    was measured."""
    now = datetime.now(UTC)
    figures = {
        "benchmark": name,
        "measured_at": now.isoformat(timespec="seconds"),
        "host": platform.node(),
        "cpus": os.cpu_count(),
        **figures,
    }
    path = directory / f"{name}-{now:%Y%m%dT%H%M%SZ}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=2) + "\n")
    return path
