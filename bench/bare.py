"""Bare workflows for the raw engine's figures: started, sleeping, answering a query, on a task
queue of their own, served by a worker in this process with the SDK's default options."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from temporalio.client import Client
    from temporalio.worker import Worker

    from bench.measure import bounded


@workflow.defn(name="BenchSleepingWorkflow")
class SleepingWorkflow:
    """Sleeps for a year, as an enrolled candidate does until its next touch."""

    @workflow.run
    async def run(self) -> None:
        await workflow.sleep(timedelta(days=365))

    @workflow.query(name="status")
    def status(self) -> str:
        return "sleeping"


@dataclass
class BareQueue:
    client: Client
    task_queue: str
    ids: list[str]


@asynccontextmanager
async def bare_queue(client: Client) -> AsyncIterator[BareQueue]:
    """A task queue of its own with a worker for the sleeping workflows (left asleep: the
    benchmark's dev server is thrown away)."""
    task_queue = f"bench-bare-{uuid.uuid4().hex[:8]}"
    queue = BareQueue(client, task_queue, [])
    async with Worker(client, task_queue=task_queue, workflows=[SleepingWorkflow]):
        yield queue


async def start_sleeping(queue: BareQueue, count: int, in_flight: int) -> float:
    """Start `count` sleeping workflows, `in_flight` at a time; seconds taken."""
    ids = [f"{queue.task_queue}-{len(queue.ids) + number}" for number in range(count)]
    began = time.monotonic()
    await bounded(
        in_flight,
        (
            queue.client.start_workflow(
                SleepingWorkflow.run, id=workflow_id, task_queue=queue.task_queue
            )
            for workflow_id in ids
        ),
    )
    queue.ids.extend(ids)
    return time.monotonic() - began
