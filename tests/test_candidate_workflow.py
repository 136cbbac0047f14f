"""The candidate workflow on the time-skipping server, with real PostgreSQL and SMTP."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from rapport.db import repository
from rapport.mailbox import MailboxHandler
from rapport.settings import Settings
from worker import build_worker
from workflows import search_attributes as sa
from workflows.candidate import CandidateWorkflow
from workflows.models import (
    CandidateInput,
    CandidateState,
    ProfileUpdated,
    SchedulePolicy,
    StatusQuery,
)

from .factories import make_candidate


@pytest.fixture
async def worker(
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    smtp_port: int,
) -> AsyncIterator[Worker]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        mail_from="Rapport <rapport@example.com>",
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


async def start(
    env: WorkflowEnvironment, worker: Worker, state: CandidateState
) -> WorkflowHandle[CandidateWorkflow, None]:
    return await env.client.start_workflow(
        CandidateWorkflow.run,
        CandidateInput(state=state),
        id=f"candidate-{state.facts.candidate_id}",
        task_queue=worker.task_queue,
    )


def yearly_date(base: date, days_ahead: int) -> date:
    """A date `days_ahead` from `base`, never 29 February, so it recurs every year."""
    day = base + timedelta(days=days_ahead)
    return day + timedelta(days=1) if (day.month, day.day) == (2, 29) else day


async def test_two_years_two_birthdays_two_anniversaries(
    time_env: WorkflowEnvironment,
    worker: Worker,
    sessions: async_sessionmaker[AsyncSession],
    mailbox: MailboxHandler,
) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    today = (await time_env.get_current_time()).astimezone(berlin).date()
    birthday = yearly_date(today, 40)
    anniversary = yearly_date(today, 100)
    candidate, facts = await make_candidate(
        sessions,
        birthday_year=1988,
        birthday_month=birthday.month,
        birthday_day=birthday.day,
        job_started_on=anniversary.replace(year=2019),
    )
    handle = await start(time_env, worker, CandidateState(facts=facts, policy=SchedulePolicy()))

    await time_env.sleep(timedelta(days=730))

    subjects = sorted(str(message["Subject"]) for message in mailbox.messages)
    assert len(mailbox.messages) == 4, subjects
    assert subjects.count("Happy birthday, Margarethe!") == 2
    async with sessions() as session:
        touches = await repository.list_touches(session, candidate.id)
    assert {t.status for t in touches} == {"sent"}
    sent = sorted((t.due_at.astimezone(berlin), t.occasion) for t in touches)
    expected = sorted(
        [(birthday.replace(year=birthday.year + n), "birthday") for n in (0, 1)]
        + [(anniversary.replace(year=anniversary.year + n), "work_anniversary") for n in (0, 1)]
    )
    assert [(due.date(), occasion) for due, occasion in sent] == expected
    assert all((due.hour, due.minute) == (9, 0) for due, _ in sent)

    latest = time_env.client.get_workflow_handle(handle.id)
    description = await latest.describe()
    assert description.run_id != handle.first_execution_run_id, "expected a continue-as-new"
    status = await latest.query(CandidateWorkflow.status, StatusQuery())
    assert status.stage == "nurturing"
    assert status.touches_made >= 1
    assert status.next_touch is not None
    assert status.next_touch.due_at > sent[-1][0]


async def test_profile_update_replans_and_search_attributes_follow(
    time_env: WorkflowEnvironment,
    worker: Worker,
    sessions: async_sessionmaker[AsyncSession],
    mailbox: MailboxHandler,
) -> None:
    _, facts = await make_candidate(sessions, job_started_on=None)
    handle = await start(time_env, worker, CandidateState(facts=facts, policy=SchedulePolicy()))

    before = await handle.query(CandidateWorkflow.status, StatusQuery())
    assert before.next_touch is not None and before.next_touch.occasion == "birthday"

    facts.birthday = None
    facts.job_started_on = "2018-01-20"
    await handle.signal(CandidateWorkflow.profile_updated, ProfileUpdated(facts=facts))
    after = await handle.query(CandidateWorkflow.status, StatusQuery())
    assert after.next_touch is not None
    assert after.next_touch.occasion == "work_anniversary"
    assert after.next_touch.local_date.endswith("-01-20")

    attributes = (await handle.describe()).typed_search_attributes
    assert attributes.get(sa.NEXT_OCCASION) == "work_anniversary"
    assert attributes.get(sa.NEXT_TOUCH_AT) == after.next_touch.due_at
    assert attributes.get(sa.CANDIDATE_STAGE) == "nurturing"
    assert attributes.get(sa.RELATIONSHIP_OWNER) == "jane.doe@example.com"
    assert mailbox.messages == []
