"""The candidate workflow on the time-skipping server, with real PostgreSQL and SMTP."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from api.candidates import lifecycle
from api.candidates.schemas import RepliedBody
from harness.rows import make_candidate
from rapport import search_attributes as sa
from rapport import timeouts
from rapport.contracts.candidate import CandidateInput, ProfileUpdated, StatusQuery
from rapport.db.models import Task
from rapport.db.repositories import candidates as candidate_repo
from rapport.db.repositories import touches as touch_repo
from rapport.mailbox import MailboxHandler
from rapport.outreach.state import CandidateState, SchedulePolicy
from rapport.public_holidays import with_library_holidays
from workflows import versions
from workflows.candidate import CandidateWorkflow

from .conftest import StartCandidate

PATCH_MARKER = "core_patch"


def marker_names(history: WorkflowHistory) -> list[str]:
    return [
        event.marker_recorded_event_attributes.marker_name
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
    ]


def yearly_date(base: date, days_ahead: int) -> date:
    """A date `days_ahead` from `base`, never 29 February, so it recurs every year."""
    day = base + timedelta(days=days_ahead)
    return day + timedelta(days=1) if (day.month, day.day) == (2, 29) else day


async def test_two_years_two_birthdays_two_anniversaries(
    time_env: WorkflowEnvironment,
    start_candidate: StartCandidate,
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
    handle = await start_candidate(CandidateState(facts=facts, policy=SchedulePolicy()))

    await time_env.sleep(timedelta(days=730))

    subjects = sorted(str(message["Subject"]) for message in mailbox.messages)
    assert len(mailbox.messages) == 4, subjects
    assert subjects.count("Happy birthday, Margarethe!") == 2
    async with sessions() as session:
        touches = await touch_repo.list_touches(session, candidate.id)
    # Check-ins come too, but with no article in the library they are skipped, never empty.
    skipped = [t for t in touches if t.status == "skipped"]
    assert skipped and {t.occasion for t in skipped} == {"check_in"}
    assert all(t.reason for t in skipped)
    sent = sorted((t.due_at.astimezone(berlin), t.occasion) for t in touches if t.status == "sent")
    expected = sorted(
        [(birthday.replace(year=birthday.year + n), "birthday") for n in (0, 1)]
        + [(anniversary.replace(year=anniversary.year + n), "work_anniversary") for n in (0, 1)]
    )
    assert [(due.date(), occasion) for due, occasion in sent] == expected
    assert all((due.hour, due.minute) == (9, 0) for due, _ in sent)

    latest = time_env.client.get_workflow_handle(handle.id)
    description = await latest.describe()
    assert description.run_id != handle.first_execution_run_id, "expected a continue-as-new"
    # The first year replays deterministically, payloads decrypted by the same codec.
    first_run = time_env.client.get_workflow_handle(handle.id, run_id=handle.first_execution_run_id)
    replayer = Replayer(
        workflows=[CandidateWorkflow], data_converter=time_env.client.data_converter
    )
    first_history = await first_run.fetch_history()
    await replayer.replay_workflow(first_history)
    # The first run began at version 0, as the test started it: it asked for each change it
    # took and recorded its marker. The next run begins at the code's version and asks for none
    # (workflows.versions); it replays too.
    second_run = time_env.client.get_workflow_handle(handle.id, run_id=description.run_id)
    second_history = await second_run.fetch_history()
    assert PATCH_MARKER in marker_names(first_history)
    assert PATCH_MARKER not in marker_names(second_history)
    started = second_history.events[0].workflow_execution_started_event_attributes
    [carried] = await time_env.client.data_converter.decode(
        started.input.payloads, [CandidateInput]
    )
    assert carried.state.code_version == versions.CODE_VERSION
    await replayer.replay_workflow(second_history)
    status = await latest.query(CandidateWorkflow.status, StatusQuery())
    assert status.stage == "nurturing"
    assert status.touches_made >= 1
    assert status.next_touch is not None
    assert status.next_touch.due_at > sent[-1][0]


async def test_profile_update_replans_and_search_attributes_follow(
    time_env: WorkflowEnvironment,
    start_candidate: StartCandidate,
    sessions: async_sessionmaker[AsyncSession],
    mailbox: MailboxHandler,
) -> None:
    _, facts = await make_candidate(sessions, job_started_on=None, greetings_only=True)
    # Started as the API starts it: its first plans' holidays pinned, so it plans at once.
    state = CandidateState(facts=facts, policy=SchedulePolicy())
    handle = await start_candidate(with_library_holidays(state, datetime.now(UTC)))

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


async def test_an_interested_reply_after_continue_as_new_names_the_last_touch(
    time_env: WorkflowEnvironment,
    start_candidate: StartCandidate,
    sessions: async_sessionmaker[AsyncSession],
    mailbox: MailboxHandler,
) -> None:
    """The owner's follow-up task names what we last sent, even when that went out in an
    earlier run: the yearly continue-as-new carries only `CandidateState`."""
    berlin = ZoneInfo("Europe/Berlin")
    today = (await time_env.get_current_time()).astimezone(berlin).date()
    # A birthday soon, so it goes out by email in the first run and nothing else follows
    # (greetings only, no anniversary) before the reply after the run's end; not the default
    # occasion the task falls back to (a check-in), so a forgotten touch shows.
    birthday = yearly_date(today, 20)
    candidate, facts = await make_candidate(
        sessions,
        birthday_month=birthday.month,
        birthday_day=birthday.day,
        job_started_on=None,
        greetings_only=True,
    )
    handle = await start_candidate(CandidateState(facts=facts, policy=SchedulePolicy()))

    await time_env.sleep(timeouts.RUN_LENGTH + timedelta(days=5))
    assert [str(message["Subject"]) for message in mailbox.messages] == [
        "Happy birthday, Margarethe!"
    ]
    latest = time_env.client.get_workflow_handle(handle.id)
    assert (await latest.describe()).run_id != handle.first_execution_run_id

    async with sessions() as session:
        stored = await candidate_repo.get_candidate(session, candidate.id)
        assert stored is not None
        # No channel on the reply: the task's channel must come from the last touch.
        await lifecycle.replied(
            session, time_env.client, stored, RepliedBody.model_validate(
                {"type": "replied", "sentiment": "interested"}
            ),
        )  # fmt: skip
    await time_env.sleep(timedelta(hours=1))

    async with sessions() as session:
        tasks = (
            (await session.execute(select(Task).where(Task.candidate_id == candidate.id)))
            .scalars()
            .all()
        )
    assert [(t.occasion, t.channel, t.status) for t in tasks] == [("birthday", "email", "open")]
