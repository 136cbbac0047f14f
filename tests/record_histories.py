"""Records workflow histories into tests/histories/, for tests/test_replay.py to replay.

Not part of the suite (its name does not start with `test_`): run it on purpose, with the
code whose histories you want to keep, before changing a workflow:

    .venv/bin/python -m pytest tests/record_histories.py -q

Most scenarios are the simulation tests themselves, run again on a time-skipping server
with the payload codec off, so the histories hold plain JSON (ids and dates, no personal
data) and replay with the default converter. Every workflow a scenario starts is saved, one
file per run: `<scenario>[_<n>][_run<k>].json`.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import client as temporal_client
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.handwritten import HandwrittenConfig, HandwrittenNotes, PostalAddress
from api.auth import Principal
from api.candidates import lifecycle
from api.candidates.schemas import MetInPersonBody, StageBody
from api.candidates.workflow import start_workflow
from api.tasks.routes import complete_task
from api.tasks.schemas import TaskCompletion
from harness.rows import make_candidate
from rapport.contracts.candidate import CandidateInput, ProfileUpdated, StatusQuery, VacancyOpened
from rapport.contracts.digest import OwnerDigestInput
from rapport.contracts.fanout import CloseVacancy, FanOutInput, FanOutState, FanOutStatusQuery
from rapport.db.models import Campaign
from rapport.db.repositories import candidates as candidate_repo
from rapport.db.repositories import vacancies as vacancy_repo
from rapport.facts import facts_from_candidate
from rapport.mailbox import MailboxHandler
from rapport.outreach.state import CandidateFacts, CandidateState, SchedulePolicy
from rapport.settings import Settings
from rapport.vocabulary import Rapport, SenderRole, VacancyStatus
from worker import build_worker
from workflows.campaign import CampaignWorkflow
from workflows.candidate import CandidateWorkflow
from workflows.digest import OwnerDigestWorkflow
from workflows.vacancy import VacancyWorkflow

from . import test_outreach_simulations as simulations
from . import test_personal_data as personal_data
from .conftest import BIN, StartCandidate, register_search_attributes
from .factories import make_match, make_vacancy
from .fake_handwrytten import FakeHandwrytten

HISTORIES = Path(__file__).resolve().parent / "histories"
BERLIN = ZoneInfo("Europe/Berlin")


class Starts(temporal_client.Interceptor):
    """Remembers every workflow the client starts: (workflow id, first run id)."""

    def __init__(self) -> None:
        self.started: list[tuple[str, str]] = []

    def intercept_client(
        self, next: temporal_client.OutboundInterceptor
    ) -> temporal_client.OutboundInterceptor:
        return _Recording(next, self)


class _Recording(temporal_client.OutboundInterceptor):
    def __init__(self, next: temporal_client.OutboundInterceptor, starts: Starts) -> None:
        super().__init__(next)
        self._starts = starts

    async def start_workflow(
        self, input: temporal_client.StartWorkflowInput
    ) -> temporal_client.WorkflowHandle[Any, Any]:
        handle = await super().start_workflow(input)
        self._starts.started.append((handle.id, handle.first_execution_run_id or ""))
        return handle


@pytest.fixture
def starts() -> Starts:
    return Starts()


@pytest.fixture
async def time_env(starts: Starts) -> AsyncIterator[WorkflowEnvironment]:
    """Overrides conftest's: the codec off, and every start remembered."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(BIN / "temporal-test-server"), interceptors=[starts]
    )
    await register_search_attributes(env)
    yield env
    await env.shutdown()


async def save(env: WorkflowEnvironment, starts: Starts, scenario: str) -> None:
    """Every run of every workflow the scenario started, following continue-as-new.

    Pick a scenario name no file has yet: histories recorded by older code (such as the
    `candidate_not_interested.json` of before the pending fix) must never be overwritten.
    """
    for number, (workflow_id, first_run) in enumerate(starts.started, start=1):
        runs = []
        run_id: str | None = first_run
        while run_id:
            history = await env.client.get_workflow_handle(
                workflow_id, run_id=run_id
            ).fetch_history()
            runs.append(history)
            last = history.events[-1]
            run_id = None
            if last.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
                attributes = last.workflow_execution_continued_as_new_event_attributes
                run_id = attributes.new_execution_run_id
        for index, history in enumerate(runs, start=1):
            name = scenario
            if len(starts.started) > 1:
                name += f"_{number}"
            if len(runs) > 1:
                name += f"_run{index}"
            path = HISTORIES / f"{name}.json"
            if path.exists():
                raise FileExistsError(f"{path} holds an older code's history: name it anew")
            path.write_text(history.to_json())
    starts.started.clear()


Scenario = Callable[..., Awaitable[None]]
SIMULATIONS: dict[str, Scenario] = {
    # A cold LinkedIn contact and a warm former colleague over two years: birthdays by email
    # and LinkedIn, anniversaries as assisted public posts that expire and fall back,
    # check-ins with articles, and a continue-as-new after a year (RUN_LENGTH).
    "candidate_two_years": simulations.test_cold_linkedin_contact_over_two_years,
    # Met at a conference: an assisted handwritten note that expires, then an email.
    "candidate_note_assisted": (
        simulations.test_met_at_a_conference_gets_a_note_task_then_an_email_when_the_owner_does_nothing
    ),
    "candidate_interested": (
        simulations.test_interested_reply_stops_automation_and_asks_the_owner_to_follow_up
    ),
    "candidate_opt_out_while_waiting": (
        simulations.test_total_opt_out_while_a_draft_waits_cancels_it_and_nothing_follows
    ),
    "candidate_opt_out_of_email": (
        simulations.test_opt_out_of_email_before_a_greeting_means_no_email
    ),
    "candidate_two_vacancies": (
        simulations.test_vacancies_matched_together_go_out_in_one_private_message
    ),
    "candidate_vacancy_closed_while_waiting": (
        simulations.test_closing_a_vacancy_cancels_its_waiting_draft_and_keeps_the_other_role
    ),
    "candidate_invitation_too_late": (
        simulations.test_an_invitation_that_would_arrive_after_its_event_is_not_sent
    ),
    "candidate_not_interested_while_a_vacancy_waits": (
        simulations.test_not_interested_while_a_vacancy_waits_records_it_as_not_contacted
    ),
    # Recorded after the status carried the plan state (PLAN_STATE_STORED): a meeting, a
    # draft that expires and falls back, each change of the plan state stored.
    "candidate_plan_state_published": (
        simulations.test_met_at_a_conference_gets_a_note_task_then_an_email_when_the_owner_does_nothing
    ),
}


@pytest.mark.parametrize("scenario", sorted(SIMULATIONS))
async def test_record_simulation(
    scenario: str,
    time_env: WorkflowEnvironment,
    start_candidate: StartCandidate,
    sessions: async_sessionmaker[AsyncSession],
    mailbox: MailboxHandler,
    starts: Starts,
) -> None:
    await SIMULATIONS[scenario](time_env, start_candidate, sessions, mailbox)
    await save(time_env, starts, scenario)


async def test_record_every_occasion_and_channel(
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    smtp_port: int,
    mailbox: MailboxHandler,
    starts: Starts,
) -> None:
    """The history scan's drive: every occasion, every channel, a sent invitation, not now."""
    await personal_data.test_histories_hold_no_personal_data(time_env, sessions, smtp_port, mailbox)
    # Dated: each recording of it is kept beside the older ones (candidate_every_occasion.json
    # of 2026-12-01, before the plan state was published; _20261206 of the code before the
    # worker's reads went autocommit).
    await save(time_env, starts, f"candidate_every_occasion_{date.today():%Y%m%d}")


async def test_record_note_through_the_provider(
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    smtp_port: int,
    starts: Starts,
) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        smtp_host="127.0.0.1", smtp_port=smtp_port, secret_key="record",
        mail_from="Rapport <rapport@example.com>",
    )  # fmt: skip
    with FakeHandwrytten(api_key="record-key").serve() as fake:
        notes = HandwrittenNotes(
            HandwrittenConfig(
                api_key="record-key", base_url=fake.base_url, card_id=3404, font="hwDavid",
                sender=PostalAddress("Acme", "100 S Mill Ave", "Tempe", "85281", "US", "AZ"),
            )
        )  # fmt: skip
        worker = build_worker(
            time_env.client, settings, sessions, notes=notes,
            task_queue=f"record-{uuid.uuid4().hex[:6]}",
            workflow_failure_exception_types=[Exception],
        )  # fmt: skip
        async with worker:
            candidate, facts = await make_candidate(
                sessions, birthday_month=None, birthday_day=None, job_started_on=None,
                postal_address="Hauptstr. 1\n10115 Berlin", rapport="strong",
            )  # fmt: skip
            handle = await time_env.client.start_workflow(
                CandidateWorkflow.run,
                candidate_input(facts, SchedulePolicy(note_provider=True)),
                id=f"candidate-{candidate.id}",
                task_queue=worker.task_queue,
            )
            await meet(time_env, sessions, candidate.id)
            await time_env.sleep(timedelta(days=20))
            assert fake.orders, "no note was ordered"
            await save(time_env, starts, "candidate_note_by_provider")
            await handle.terminate(reason="recorded")


@pytest.mark.parametrize(
    ("scenario", "enrolled"),
    [
        ("candidate_version_1", False),
        # Recorded after the enrolment stored the first status (CandidateInput.status_stored).
        ("candidate_enrolled_with_its_status", True),
    ],
)
async def test_record_a_run_begun_at_version_1(
    time_env: WorkflowEnvironment,
    worker: Worker,
    sessions: async_sessionmaker[AsyncSession],
    mailbox: MailboxHandler,
    starts: Starts,
    scenario: str,
    enrolled: bool,
) -> None:
    """Started as the API starts a candidate (`start_workflow`: code version 1, the search
    attributes of its first plan, its first plans' holidays pinned; `enrolled`: as a new
    candidate's enrolment does, its first status stored): no patch markers, a vacancy's email
    published after it is sent, a year of greetings, and the continue-as-new into a second
    run."""
    today = (await time_env.get_current_time()).astimezone(BERLIN).date()
    soon = today + timedelta(days=60)
    candidate, _ = await make_candidate(
        sessions, birthday_month=soon.month, birthday_day=min(soon.day, 28), job_started_on=None
    )
    vacancy = await make_vacancy(sessions, skills=["python"], remote=True)
    await make_match(sessions, vacancy, candidate)
    settings = Settings(_env_file=None, task_queue=worker.task_queue)  # type: ignore[call-arg]
    if enrolled:
        async with sessions.begin() as session:
            await start_workflow(time_env.client, settings, candidate, new_in=session)
    else:
        await start_workflow(time_env.client, settings, candidate)
    handle = time_env.client.get_workflow_handle_for(CandidateWorkflow.run, candidate.workflow_id)
    opened = VacancyOpened(str(vacancy.id), SenderRole.EMPLOYEE, "maria.hm@example.com")
    await handle.signal(CandidateWorkflow.vacancy_opened, opened)
    await time_env.sleep(timedelta(days=450))
    subjects = [str(message["Subject"]) for message in mailbox.messages]
    assert subjects.count("Happy birthday, Margarethe!") == 2, subjects
    assert len(subjects) == 3, subjects  # and the vacancy
    await save(time_env, starts, scenario)
    await time_env.client.get_workflow_handle(candidate.workflow_id).terminate(reason="recorded")


async def test_record_pause_resume_and_a_draft_marked_sent(
    time_env: WorkflowEnvironment,
    start_candidate: StartCandidate,
    sessions: async_sessionmaker[AsyncSession],
    mailbox: MailboxHandler,
    starts: Starts,
) -> None:
    """A profile update, a vacancy pending when they are paused (dropped), resumed, and a
    LinkedIn draft the owner marks sent in the inbox (task_closed)."""
    today = (await time_env.get_current_time()).astimezone(BERLIN).date()
    soon = today + timedelta(days=10)
    candidate, facts = await make_candidate(
        sessions, rapport="cold", relationship_origin="linkedin_connection", consent={},
        linkedin_url="https://www.linkedin.com/in/margarethe", job_started_on=None,
        birthday_month=soon.month, birthday_day=min(soon.day, 28),
    )  # fmt: skip
    vacancy = await make_vacancy(sessions)
    await make_match(sessions, vacancy, candidate)
    handle = await start_candidate(CandidateState(facts=facts, policy=SchedulePolicy()))
    await handle.signal(
        CandidateWorkflow.vacancy_opened,
        VacancyOpened(str(vacancy.id), SenderRole.EMPLOYEE, facts.owner),
    )
    async with sessions() as session:
        stored = await candidate_repo.get_candidate(session, candidate.id)
        assert stored is not None
        await handle.signal(
            CandidateWorkflow.profile_updated, ProfileUpdated(facts_from_candidate(stored))
        )
    await change_stage(time_env, sessions, candidate.id, "paused")
    await time_env.sleep(timedelta(hours=2))
    await change_stage(time_env, sessions, candidate.id, "nurturing")
    for _ in range(200):
        await time_env.sleep(timedelta(hours=3))
        if (await handle.query(CandidateWorkflow.status, StatusQuery())).waiting_for_task:
            break
    [task] = [t for t in await simulations.tasks_of(sessions, candidate.id) if t.status == "open"]
    async with sessions() as session:
        await complete_task(
            str(task.id), TaskCompletion(outcome="sent"), session, time_env.client,
            Principal(key_id="record", name="record", role="admin"),
        )  # fmt: skip
    await time_env.sleep(timedelta(days=2))
    touches = await simulations.touches_of(sessions, candidate.id)
    assert ("birthday", "sent") in {(t.occasion, t.status) for t in touches}, touches
    await save(time_env, starts, "candidate_paused_resumed_draft_sent")


async def test_record_vacancy_campaign_and_digest(
    time_env: WorkflowEnvironment,
    worker: Worker,
    start_candidate: StartCandidate,
    sessions: async_sessionmaker[AsyncSession],
    mailbox: MailboxHandler,
    starts: Starts,
) -> None:
    """A vacancy fanned out to two candidates (one of them no longer running) and closed; a
    campaign to a segment; the owners' daily digest."""
    tag = uuid.uuid4().hex[:6]
    running, _ = await make_candidate(sessions, skills=[f"kafka{tag}"], interests=[tag])
    # Another who fits, whose workflow is not running: unreachable.
    await make_candidate(sessions, skills=[f"kafka{tag}"], interests=[tag])
    await start_candidate(
        CandidateState(facts=facts_from_candidate(running), policy=SchedulePolicy())
    )
    starts.started.clear()  # the candidate's history is not this scenario's

    vacancy = await make_vacancy(sessions, skills=[f"kafka{tag}"], title=f"Kafka lead {tag}")
    fan_out = FanOutState(kind="vacancy", target_id=str(vacancy.id), page_size=10, concurrency=5)
    handle = await time_env.client.start_workflow(
        VacancyWorkflow.run, FanOutInput(state=fan_out), id=vacancy.workflow_id,
        task_queue=worker.task_queue,
    )  # fmt: skip
    for _ in range(100):
        state = await handle.query(VacancyWorkflow.status, FanOutStatusQuery())
        if state.fanned_out:
            break
        await time_env.sleep(timedelta(seconds=5))
    async with sessions.begin() as session:
        row = await vacancy_repo.get_vacancy(session, vacancy.id)
        assert row is not None
        row.status = VacancyStatus.CLOSED
    await handle.signal(VacancyWorkflow.close, CloseVacancy())
    closed = await handle.result()
    assert closed.matched >= 2 and closed.unreachable >= 1, closed
    await save(time_env, starts, "vacancy_fan_out_and_close")

    campaign_id = uuid.uuid4()
    async with sessions.begin() as session:
        session.add(
            Campaign(
                id=campaign_id, name="Webinar", kind="webinar", sender_role="marketing",
                title="Tracing at scale", workflow_id=f"campaign-{campaign_id}",
                starts_at=datetime.now(UTC) + timedelta(days=900),
                segment={"interests": [tag]}, invited=0,
            )
        )  # fmt: skip
    campaign = await time_env.client.start_workflow(
        CampaignWorkflow.run,
        FanOutInput(FanOutState(kind="campaign", target_id=str(campaign_id), page_size=10)),
        id=f"campaign-{campaign_id}", task_queue=worker.task_queue,
    )  # fmt: skip
    done = await campaign.result()
    assert done.matched >= 2, done
    await save(time_env, starts, "campaign_fan_out")

    with time_env.auto_time_skipping_disabled():
        digest = await time_env.client.start_workflow(
            OwnerDigestWorkflow.run, OwnerDigestInput(timezone="Europe/Berlin"),
            id=f"owner-digest-{tag}", task_queue=worker.task_queue,
        )  # fmt: skip
        await digest.result()
    await save(time_env, starts, "owner_digest")


def candidate_input(facts: CandidateFacts, policy: SchedulePolicy) -> CandidateInput:
    return CandidateInput(state=CandidateState(facts=facts, policy=policy))


async def meet(
    env: WorkflowEnvironment, sessions: async_sessionmaker[AsyncSession], candidate_id: uuid.UUID
) -> None:
    met_on: date = (await env.get_current_time()).astimezone(BERLIN).date()
    async with sessions() as session:
        stored = await candidate_repo.get_candidate(session, candidate_id)
        assert stored is not None
        await lifecycle.met_in_person(
            session, env.client, stored,
            MetInPersonBody.model_construct(
                type="met_in_person", event="PyCon DE", date=met_on, rapport=Rapport.STRONG,
                met_by="sam.lee@example.com",
            ),
        )  # fmt: skip


async def change_stage(
    env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    candidate_id: uuid.UUID,
    stage: str,
) -> None:
    async with sessions() as session:
        stored = await candidate_repo.get_candidate(session, candidate_id)
        assert stored is not None
        await lifecycle.change_stage(
            session, env.client, stored, StageBody.model_validate({"stage": stage})
        )
