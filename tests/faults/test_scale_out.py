"""Scale-out: two worker processes and two API processes on one task queue and one database
share the load, and one worker SIGKILLed in the middle of a storm of due birthday emails loses
nothing.

The candidates are enrolled through the two APIs in turn (each starts the workflows it
enrolled), both workers poll the queue, and once a fifth of the emails have reached the SMTP
server and each worker has completed a send of its own, one worker is killed and not started
again: the survivor takes over its workflows (their next task goes to it, once the sticky queue
of the dead one times out) and retries the sends the dead one had in flight once their 30 s
start-to-close timeout passes. As in
test_worker_killed: every email arrives, and a Message-ID that arrives twice belongs to a touch
flagged `possibly_duplicate` (the kill landed inside its SMTP exchange).

That both workers worked is read from the workflows' histories: every completed workflow task
and activity names the worker that ran it (its identity, `<pid>@<host>` by default).
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import socket
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from harness.api_helpers import birthday_on, enrolment
from harness.population import Place, birthday_touches, settle, tally
from harness.processes import ApiProcess, WorkerProcess
from harness.rig import rig

pytestmark = pytest.mark.faults

CANDIDATES = 96
ENROL_CONCURRENCY = 8
# The kill lands once this share of the emails has arrived and both workers have completed
# sends of their own.
KILL_AFTER_SHARE = 0.2
STORM_WITHIN = 180.0
# The dead worker's sends wait out their 30 s timeout before the survivor retries them.
SETTLE_WITHIN = 300.0
HISTORY_CONCURRENCY = 10
HISTORY_POLL_SECONDS = 0.5


async def enrol_through(apis: list[httpx.AsyncClient], place: Place) -> Counter[int]:
    """Enrol CANDIDATES through the APIs in turn; how many each answered 201, by index."""
    answered: Counter[int] = Counter()
    gate = asyncio.Semaphore(ENROL_CONCURRENCY)

    async def one(number: int) -> None:
        body = enrolment(
            timezone=place.zone, country=place.country, linkedin_url=None,
            birthday=birthday_on(place.local.date()), job_started_on=None,
        )  # fmt: skip
        async with gate:
            response = await apis[number % len(apis)].post("/api/candidates", json=body)
        assert response.status_code == 201, response.text
        answered[number % len(apis)] += 1

    await asyncio.gather(*(one(number) for number in range(CANDIDATES)))
    return answered


async def wait_for_emails(count: Callable[[], int], at_least: int, within: float) -> None:
    for _ in range(int(within / 0.2)):
        if count() >= at_least:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"only {count()} of {at_least} emails within {within:.0f} s")


async def work_by_identity(client: Client) -> tuple[Counter[str], Counter[str]]:
    """Workflow tasks and completed activities of every candidate workflow, by the identity of
    the worker that ran them."""
    tasks: Counter[str] = Counter()
    activities: Counter[str] = Counter()
    gate = asyncio.Semaphore(HISTORY_CONCURRENCY)

    async def read(workflow_id: str) -> None:
        async with gate:
            history = await client.get_workflow_handle(workflow_id).fetch_history()
        for event in history.events:
            if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
                tasks[event.workflow_task_started_event_attributes.identity] += 1
            elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
                activities[event.activity_task_started_event_attributes.identity] += 1

    ids = [run.id async for run in client.list_workflows("WorkflowType = 'CandidateWorkflow'")]
    await asyncio.gather(*(read(workflow_id) for workflow_id in ids))
    return tasks, activities


async def both_completed_sends(client: Client, identities: list[str], within: float) -> None:
    """Wait until each worker has completed a send of its own, as the histories record it.

    Emails arriving are not enough: a worker that has sent but not yet reported its activities
    done when it is killed leaves no trace of them in any history (the survivor's retry, which
    finds each touch recorded and sends nothing, is what completes them)."""
    for _ in range(int(within / HISTORY_POLL_SECONDS)):
        _, activities = await work_by_identity(client)
        if all(activities[identity] > 0 for identity in identities):
            return
        await asyncio.sleep(HISTORY_POLL_SECONDS)
    raise AssertionError(f"not every worker completed a send within {within:.0f} s: {activities}")


async def test_two_workers_and_two_apis_share_the_load_and_a_killed_worker_loses_nothing(
    fault_database: str, tmp_path: Path, report: Callable[[str], None]
) -> None:
    admin_key = "rpk_" + secrets.token_urlsafe(24)
    async with rig(fault_database, tmp_path, "faults-scale-out", admin_api_key=admin_key) as hurt:
        survivor = WorkerProcess(hurt.env, tmp_path / "worker-2.log")
        apis = [ApiProcess(hurt.env, tmp_path / f"api-{n}.log") for n in (1, 2)]
        with contextlib.ExitStack() as stack:
            stack.callback(survivor.stop)
            for api in apis:
                # One after the other: each seeds the admin key at start-up.
                stack.callback(api.stop)
                await asyncio.to_thread(api.start)
            hurt.worker.start()
            survivor.start()
            assert hurt.worker.process and survivor.process
            host = socket.gethostname()
            killed_id = f"{hurt.worker.process.pid}@{host}"
            survivor_id = f"{survivor.process.pid}@{host}"

            headers = {"Authorization": f"Bearer {admin_key}"}
            async with contextlib.AsyncExitStack() as clients:
                http = [
                    await clients.enter_async_context(
                        httpx.AsyncClient(base_url=api.url, headers=headers, timeout=60)
                    )
                    for api in apis
                ]
                place = Place.now()
                answered = await enrol_through(http, place)
                kill_at = int(CANDIDATES * KILL_AFTER_SHARE)
                await wait_for_emails(hurt.smtp.count, kill_at, STORM_WITHIN)
                await both_completed_sends(hurt.client, [killed_id, survivor_id], STORM_WITHIN)
                received_before_kill = hurt.smtp.count()
                hurt.worker.kill()

                waited = await settle(hurt.sessions, hurt.smtp, CANDIDATES, SETTLE_WITHIN)
                # Both APIs still answer reads after the storm.
                listed = [(await api.get("/api/candidates", params={"limit": 1})) for api in http]
            result = tally(await birthday_touches(hurt.sessions), hurt.smtp)
            tasks, activities = await work_by_identity(hurt.client)
            assert survivor.alive(), f"the surviving worker died; logs in {tmp_path}"

    report(
        f"2 APIs enrolled {answered[0]} + {answered[1]}; 2 workers, one killed with "
        f"{received_before_kill} of {CANDIDATES} received; workflow tasks "
        f"{tasks[killed_id]} (killed) + {tasks[survivor_id]} (survivor), activities "
        f"{activities[killed_id]} + {activities[survivor_id]}; {result.line()}; "
        f"settled in {waited:.0f} s"
    )
    assert answered == Counter({0: CANDIDATES // 2, 1: CANDIDATES // 2})
    assert [response.status_code for response in listed] == [200, 200]
    assert tasks[killed_id] > 0 and tasks[survivor_id] > 0, tasks
    assert activities[killed_id] > 0 and activities[survivor_id] > 0, activities
    # No worker but these two ever ran a task of theirs.
    assert set(tasks) | set(activities) <= {killed_id, survivor_id}
    assert result.expected == CANDIDATES
    assert result.lost == [], f"{len(result.lost)} lost; logs in {tmp_path}"
    assert result.unflagged_doubles == [], f"doubled without the flag; logs in {tmp_path}"
    assert result.strays == []
