"""The baseline: the raw rate of signalling N bare workflows on the same server, served by a
worker in this process with the default options. Each waits for one signal, then completes;
or, for the same work as a candidate's decision, sends one email through an activity (to the
same SMTP server as Rapport's worker, bench.bare's `Mailer`) and then completes."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from temporalio.client import Client
    from temporalio.service import RPCError
    from temporalio.worker import Worker

    from bench.bare import Mailer
    from bench.measure import POLL_SECONDS, RPC_TIMEOUT, bounded, rate, settle
    from bench.stack import say

STARTS_IN_FLIGHT = 50
SIGNALS_IN_FLIGHT = 20


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


@workflow.defn(name="BenchSignalAndSendWorkflow")
class SignalAndSendWorkflow:
    """Waits for one signal, then sends one email: a candidate's vacancy touch, bare."""

    def __init__(self) -> None:
        self._signalled = False

    @workflow.run
    async def run(self, number: int) -> None:
        await workflow.wait_condition(lambda: self._signalled)
        await workflow.execute_activity_method(
            Mailer.send_one, number, start_to_close_timeout=timedelta(seconds=60)
        )

    @workflow.signal(name="go")
    def go(self) -> None:
        self._signalled = True


@dataclass
class BareTimes:
    started: float
    signalled: float
    completed: float


async def bare_baseline(
    client: Client, count: int, give_up_after: float, mailer: Mailer | None = None
) -> BareTimes:
    """Start `count` bare workflows, let them settle, then time signalling every one of them
    until the last has completed (seen through visibility, as the API's counts are seen). With
    a `mailer`, each sends its email through it before completing."""
    task_queue = f"bench-bare-{uuid.uuid4().hex[:8]}"
    ids = [f"{task_queue}-{number}" for number in range(count)]
    worker = (
        Worker(client, task_queue=task_queue, workflows=[BareWorkflow])
        if mailer is None
        else Worker(
            client,
            task_queue=task_queue,
            workflows=[SignalAndSendWorkflow],
            activities=[mailer.send_one],
        )
    )

    async def start(number: int, workflow_id: str) -> None:
        if mailer is None:
            await client.start_workflow(BareWorkflow.run, id=workflow_id, task_queue=task_queue)
        else:
            await client.start_workflow(
                SignalAndSendWorkflow.run, number, id=workflow_id, task_queue=task_queue
            )

    async with worker:
        began = time.monotonic()
        await bounded(
            STARTS_IN_FLIGHT, (start(number, workflow_id) for number, workflow_id in enumerate(ids))
        )
        started = time.monotonic() - began
        say(f"  started {rate(count, started)}")
        waited = await settle(client, task_queue, give_up_after)
        say(f"  settled {waited:.0f} s later")

        running = f'TaskQueue="{task_queue}" AND ExecutionStatus="Running"'
        t0 = time.monotonic()
        await bounded(
            SIGNALS_IN_FLIGHT,
            (client.get_workflow_handle(workflow_id).signal("go") for workflow_id in ids),
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
