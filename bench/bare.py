"""Bare workflows for the raw engine's figures: started, sleeping, answering a query, or waking
at one instant to send one email through an activity (aiosmtplib, as Rapport sends), on a task
queue of their own, served by a worker in this process with the SDK's default options."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from temporalio import activity, workflow

with workflow.unsafe.imports_passed_through():
    import aiosmtplib
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


@workflow.defn(name="BenchMonthlyWorkflow")
class MonthlyWorkflow:
    """Wakes once a month for `years` years: the least a candidate's timers do."""

    @workflow.run
    async def run(self, years: int) -> None:
        for _ in range(12 * years):
            await workflow.sleep(timedelta(days=30))


@dataclass
class WakeInput:
    wake_at: float  # UTC epoch seconds (a datetime field fails to decode in the sandbox)
    number: int


@dataclass
class Mailer:
    """Where the bare activity delivers: the same SMTP server as Rapport's worker."""

    host: str
    port: int

    @activity.defn(name="bench_send_one")
    async def send_one(self, number: int) -> None:
        message = EmailMessage()
        message["From"] = "Bench <bench@example.com>"
        message["To"] = f"bare-{number}@example.com"
        message["Subject"] = "Happy birthday"
        message["Message-ID"] = f"<bare-{number}-{uuid.uuid4().hex}@bench.example.com>"
        message.set_content("Many happy returns.")
        await aiosmtplib.send(message, hostname=self.host, port=self.port, timeout=30)


@workflow.defn(name="BenchWakeAndSendWorkflow")
class WakeAndSendWorkflow:
    """Sleeps until one instant, then sends one email, as a candidate's birthday does."""

    @workflow.run
    async def run(self, wake: WakeInput) -> None:
        await workflow.sleep(max(wake.wake_at - workflow.now().timestamp(), 0.0))
        await workflow.execute_activity_method(
            Mailer.send_one, wake.number, start_to_close_timeout=timedelta(seconds=60)
        )


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


@asynccontextmanager
async def wake_queue(client: Client, mailer: Mailer) -> AsyncIterator[BareQueue]:
    """A task queue of its own with a worker for the waking workflows and their activity."""
    task_queue = f"bench-wake-{uuid.uuid4().hex[:8]}"
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[WakeAndSendWorkflow],
        activities=[mailer.send_one],
    ):
        yield BareQueue(client, task_queue, [])


async def start_waking(queue: BareQueue, count: int, wake_at: datetime, in_flight: int) -> float:
    """Start `count` workflows that wake at `wake_at`, `in_flight` at a time; seconds taken."""
    ids = [f"{queue.task_queue}-{number}" for number in range(count)]
    began = time.monotonic()
    await bounded(
        in_flight,
        (
            queue.client.start_workflow(
                WakeAndSendWorkflow.run,
                WakeInput(wake_at.timestamp(), number),
                id=workflow_id,
                task_queue=queue.task_queue,
            )
            for number, workflow_id in enumerate(ids)
        ),
    )
    queue.ids.extend(ids)
    return time.monotonic() - began


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
