"""Public holidays are pinned in the candidate's state: the planner reads only those, the
workflow fetches what it lacks through the calendar activity, and a replay never reads the
holiday library (so upgrading it cannot change a replayed decision).

Re-record the pinned-calendar history with `.venv/bin/python -m tests.test_holiday_calendar`.
"""

from __future__ import annotations

import asyncio
import base64
import json
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import WorkflowHandle, WorkflowHistory
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment
from temporalio.worker import Replayer, Worker

import rapport.public_holidays as public_holidays
from activities.calendar import CalendarActivities
from harness.api_helpers import zone_in_send_window
from harness.rows import make_candidate
from rapport.contracts.calendar import HolidaysRequest
from rapport.contracts.candidate import (
    CandidateInput,
    CandidateStatus,
    ProfileUpdated,
    StatusQuery,
)
from rapport.db.repositories import touches as touch_repo
from rapport.mailbox import MailboxHandler
from rapport.outreach import pinned, planning
from rapport.outreach.state import CandidateFacts, CandidateState, OneOff, SchedulePolicy
from rapport.outreach.timing import holiday_key
from rapport.public_holidays import library_holidays, with_library_holidays
from rapport.vocabulary import Occasion, SenderRole, Stage
from workflows.candidate import CandidateWorkflow
from workflows.versions import HOLIDAYS_PINNED

from .conftest import StartCandidate, register_search_attributes
from .factories import invite_to_webinar

HISTORIES = Path(__file__).resolve().parent / "histories"
PINNED_HISTORY = HISTORIES / "candidate_holidays_pinned.json"
BERLIN = ZoneInfo("Europe/Berlin")
EVERY_DAY = SchedulePolicy(send_days=[0, 1, 2, 3, 4, 5, 6])
# A Wednesday in Germany that is no public holiday, and one the library knows.
ORDINARY_DAY = date(2027, 3, 10)
UNITY_DAY = date(2027, 10, 3)


def facts(**overrides: object) -> CandidateFacts:
    values: dict[str, object] = {
        "candidate_id": "c-1",
        "timezone": "Europe/Berlin",
        "country": "DE",
        "has_email": True,
        "consent": {"email": True},
    }
    values.update(overrides)
    return CandidateFacts(**values)  # type: ignore[arg-type]


def invited(state: CandidateState, day: date) -> CandidateState:
    """An invitation pending from the start of `day`'s window (Berlin)."""
    not_before = datetime.combine(day, time(9, 0), BERLIN).astimezone(UTC)
    state.pending = [OneOff(Occasion.INVITATION, "inv-1", SenderRole.MARKETING, None, not_before)]
    return state


def invitation_day(state: CandidateState, now: datetime) -> str:
    touch = planning.next_touch(state, now)
    assert touch is not None and touch.occasion == "invitation"
    return touch.local_date


def library_says_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any read of the holiday library from here on fails the test (or the workflow task)."""

    def unreadable(*args: object, **kwargs: object) -> object:
        raise AssertionError("the holiday library was read")

    monkeypatch.setattr(holidays, "country_holidays", unreadable)
    monkeypatch.setattr(public_holidays, "library_holidays", unreadable)


# --- planning is pure, given a calendar ------------------------------------------------------
def test_planning_reads_only_the_pinned_calendar(monkeypatch: pytest.MonkeyPatch) -> None:
    now = datetime.combine(ORDINARY_DAY, time(8, 0), BERLIN).astimezone(UTC)
    assert ORDINARY_DAY not in library_holidays("DE", 2027)
    made_up = [ORDINARY_DAY.isoformat(), (ORDINARY_DAY + timedelta(days=1)).isoformat()]
    calendar: dict[str, list[str]] = {holiday_key("DE", y): [] for y in (2027, 2028, 2029)}
    calendar[holiday_key("DE", 2027)] = made_up
    state = invited(CandidateState(facts(), EVERY_DAY, holidays=calendar), ORDINARY_DAY)

    library_says_nothing(monkeypatch)
    first = planning.plan(state, now)
    assert invitation_day(state, now) == "2027-03-12"  # past the two made-up holidays
    # The same state and moment give the same plan, and planning leaves the state as it was.
    assert planning.plan(state, now) == first
    assert state.holidays == calendar

    # A day the pinned calendar lacks is no holiday, whatever the library says.
    unity = datetime.combine(UNITY_DAY, time(8, 0), BERLIN).astimezone(UTC)
    assert invitation_day(invited(state, UNITY_DAY), unity) == UNITY_DAY.isoformat()


def test_outside_a_workflow_the_library_is_pinned_into_a_copy() -> None:
    now = datetime.combine(UNITY_DAY, time(8, 0), BERLIN).astimezone(UTC)
    state = invited(CandidateState(facts(), EVERY_DAY), UNITY_DAY)

    planned = with_library_holidays(state, now)

    assert state.holidays == {}, "the original (a workflow's input) stays as it was"
    assert UNITY_DAY.isoformat() in planned.holidays[holiday_key("DE", 2027)]
    assert invitation_day(planned, now) == "2027-10-04"
    assert set(planned.holidays) == {holiday_key("DE", y) for y in pinned.years_needed(state, now)}
    longer = with_library_holidays(state, now, timedelta(days=3650))
    assert holiday_key("DE", 2037) in longer.holidays


def test_the_years_a_plan_needs_and_what_pinning_keeps() -> None:
    # 31 December in Berlin is already the new year in Auckland, and two years on reaches
    # into a third: this year to the horizon's, in the candidate's own zone.
    now = datetime(2026, 12, 31, 12, 0, tzinfo=UTC)
    state = CandidateState(facts(), SchedulePolicy())
    assert pinned.years_needed(state, now) == [2026, 2027, 2028, 2029]
    auckland = CandidateState(facts(timezone="Pacific/Auckland", country="NZ"), SchedulePolicy())
    assert pinned.years_needed(auckland, now) == [2027, 2028, 2029]

    state.holidays = {"DE:2025": ["2025-12-25"], "DE:2026": ["2026-12-25"], "FR:2027": []}
    assert pinned.missing_years(state, now) == [2027, 2028, 2029]
    # An answer without a year asked for pins it empty, so it is not asked for again; last
    # year and the country they left are dropped.
    pinned.pin(state, [2027, 2028, 2029], {"DE:2027": ["2027-10-03", "2027-01-01"]}, now)
    assert state.holidays == {
        "DE:2026": ["2026-12-25"],
        "DE:2027": ["2027-01-01", "2027-10-03"],
        "DE:2028": [],
        "DE:2029": [],
    }
    assert pinned.missing_years(state, now) == []
    # They move: the new country's years are missing.
    state.facts.country = "AT"
    assert pinned.missing_years(state, now) == [2026, 2027, 2028, 2029]
    # Nothing is planned, so nothing is fetched, while they are not nurtured.
    state.stage = Stage.PAUSED
    assert pinned.missing_years(state, now) == []


async def test_the_calendar_activity_reads_the_library() -> None:
    found = await ActivityEnvironment().run(
        CalendarActivities().public_holidays, HolidaysRequest(country="DE", years=[2027, 2028])
    )
    assert set(found.holidays) == {"DE:2027", "DE:2028"}
    assert "2027-10-03" in found.holidays["DE:2027"]
    assert found.holidays["DE:2027"] == sorted(found.holidays["DE:2027"])
    unknown = await ActivityEnvironment().run(
        CalendarActivities().public_holidays, HolidaysRequest(country="XX", years=[2027])
    )
    assert unknown.holidays == {"XX:2027": []}


# --- the workflow plans with the pinned calendar ---------------------------------------------
def ordinary_days(start: date, count: int) -> str:
    """A country for which `count` days from `start` are no public holiday in the library."""
    days = [start + timedelta(days=n) for n in range(count)]
    for country in ("DE", "GB", "US", "JP", "BR", "IN", "FR", "CA"):
        if not any(day in library_holidays(country, day.year) for day in days):
            return country
    raise AssertionError(f"{days} hold a holiday everywhere we looked")


async def test_the_workflow_skips_a_pinned_holiday_the_library_does_not_know(
    time_env: WorkflowEnvironment,
    start_candidate: StartCandidate,
    sessions: async_sessionmaker[AsyncSession],
    mailbox: MailboxHandler,
) -> None:
    zone, local_now = zone_in_send_window(await time_env.get_current_time())
    today = local_now.date()
    country = ordinary_days(today, 3)
    candidate, candidate_facts = await make_candidate(
        sessions,
        timezone=zone,
        country=country,
        birthday_month=None,
        birthday_day=None,
        job_started_on=None,
    )
    # Today and tomorrow are holidays in this candidate's pinned calendar only; the other
    # years the plan needs are left for the workflow to fetch.
    made_up: dict[str, list[str]] = {}
    for day in (today, today + timedelta(days=1)):
        made_up.setdefault(holiday_key(country, day.year), []).append(day.isoformat())
    state = CandidateState(facts=candidate_facts, policy=EVERY_DAY, holidays=dict(made_up))
    handle = await start_candidate(state)
    await invite_to_webinar(sessions, time_env.client, candidate.id, local_now + timedelta(days=20))

    expected = (today + timedelta(days=2)).isoformat()
    status = await eventually_next(handle)
    assert status.next_touch is not None
    assert (status.next_touch.occasion, status.next_touch.local_date) == ("invitation", expected)
    # With the library's calendar alone it would go today, in this very window.
    library_plan = with_library_holidays(CandidateState(candidate_facts, EVERY_DAY), local_now)
    library_plan.pending = (await handle.query(CandidateWorkflow.full_state, StatusQuery())).pending
    assert invitation_day(library_plan, local_now) == today.isoformat()
    # The made-up days stayed as pinned; the rest came from the activity.
    held = (await handle.query(CandidateWorkflow.full_state, StatusQuery())).holidays
    for key, days in made_up.items():
        assert held[key] == sorted(days)
    assert set(held) == {holiday_key(country, y) for y in pinned.years_needed(state, local_now)}

    await time_env.sleep(timedelta(days=3))
    async with sessions() as session:
        touches = list(await touch_repo.list_touches(session, candidate.id))
    assert [(t.occasion, t.status) for t in touches] == [("invitation", "sent")]
    assert touches[0].due_at.astimezone(ZoneInfo(zone)).date().isoformat() == expected
    assert len(mailbox.messages) == 1


async def eventually_next(handle: WorkflowHandle[CandidateWorkflow, None]) -> CandidateStatus:
    """The status once the workflow has planned the invitation (after its calendar fetch)."""
    for _ in range(100):
        status = await handle.query(CandidateWorkflow.status, StatusQuery())
        if status.next_touch is not None and status.next_touch.occasion == "invitation":
            return status
        await asyncio.sleep(0.1)
    raise AssertionError("the invitation was never planned")


# --- replays -------------------------------------------------------------------------------
def patches_in(recorded: str) -> list[str]:
    """The patch ids marked in a history (JSON), in order."""
    found = []
    for event in json.loads(recorded)["events"]:
        marker = event.get("markerRecordedEventAttributes")
        if marker and marker["markerName"] == "core_patch":
            for payload in marker["details"]["patch-data"]["payloads"]:
                found.append(json.loads(base64.b64decode(payload["data"]))["id"])
    return found


async def test_a_run_with_pinned_holidays_replays_without_the_library(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Recorded with this code: the calendar fetched, then fetched again for a new country."""
    recorded = PINNED_HISTORY.read_text()
    history = WorkflowHistory.from_json("candidate-holidays-pinned", recorded)
    assert patches_in(recorded) == [HOLIDAYS_PINNED]
    assert recorded.count('"public_holidays"') == 2  # two activities: DE, then FR

    library_says_nothing(monkeypatch)
    result = await Replayer(workflows=[CandidateWorkflow]).replay_workflow(history)
    assert result.replay_failure is None


async def test_runs_recorded_before_the_pinning_still_read_the_library_on_replay(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The control: an old history takes the legacy path (and replays with the library, as
    the replay tests of the simulations show), so the test above does prove something."""
    recorded = (HISTORIES / "candidate_opted_out.json").read_text()
    assert HOLIDAYS_PINNED not in patches_in(recorded)
    history = WorkflowHistory.from_json("candidate-opted-out", recorded)
    library_says_nothing(monkeypatch)
    result = await Replayer(workflows=[CandidateWorkflow]).replay_workflow(
        history, raise_on_replay_failure=False
    )
    assert "the holiday library was read" in str(result.replay_failure)


# --- recording ---------------------------------------------------------------------------------
async def record_pinned_history() -> None:
    """Run a candidate on the time-skipping server, plain payloads, only the calendar activity:
    a year pinned in its input is kept, the others fetched; a move abroad fetches again."""
    server = Path(sys.executable).parent / "temporal-test-server"
    async with await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(server)
    ) as env:
        await register_search_attributes(env)
        async with Worker(
            env.client,
            task_queue="record",
            workflows=[CandidateWorkflow],
            activities=[CalendarActivities().public_holidays],
        ):
            now = await env.get_current_time()
            start = CandidateState(
                facts=facts(candidate_id="recorded", enrolled_on=now.date().isoformat()),
                policy=SchedulePolicy(),
                holidays={holiday_key("DE", now.year): [now.date().isoformat()]},
            )
            handle = await env.client.start_workflow(
                CandidateWorkflow.run,
                CandidateInput(state=start),
                id="candidate-holidays-pinned",
                task_queue="record",
            )
            moved = facts(
                candidate_id="recorded",
                enrolled_on=now.date().isoformat(),
                country="FR",
                timezone="Europe/Paris",
            )
            await until_pinned(handle, "DE", now.year + 1)
            await handle.signal(CandidateWorkflow.profile_updated, ProfileUpdated(facts=moved))
            await until_pinned(handle, "FR", now.year)
            history = await handle.fetch_history()
            await handle.terminate(reason="recorded")
    PINNED_HISTORY.write_text(history.to_json())


async def until_pinned(
    handle: WorkflowHandle[CandidateWorkflow, None], country: str, year: int
) -> None:
    for _ in range(100):
        state = await handle.query(CandidateWorkflow.full_state, StatusQuery())
        if holiday_key(country, year) in state.holidays:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{country} {year} never pinned")


if __name__ == "__main__":
    asyncio.run(record_pinned_history())
