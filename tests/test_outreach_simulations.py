"""Years of relationships on the time-skipping server, with real PostgreSQL and SMTP.

The API's own lifecycle functions drive the workflows (meetings, replies, opt-outs), so the
database and the workflow move together exactly as they do behind the HTTP routes.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from activities.fanout import FanOutActivities
from api.candidates import lifecycle
from api.candidates.schemas import MetInPersonBody, OptOutBody, RepliedBody
from harness.api_helpers import (
    ZONES_AROUND_THE_WORLD,
    country_without_holiday,
    zone_in_send_window,
)
from harness.rows import make_candidate
from rapport.contracts.candidate import PlanQuery, StatusQuery, VacancyClosed, VacancyOpened
from rapport.contracts.fanout import CloseMatchesInput
from rapport.db.models import Task, Touch, Vacancy
from rapport.db.repositories import articles as article_repo
from rapport.db.repositories import candidates as candidate_repo
from rapport.db.repositories import touches as touch_repo
from rapport.db.repositories import vacancies as vacancy_repo
from rapport.facts import schedule_policy
from rapport.mailbox import MailboxHandler
from rapport.outreach.state import CandidateState, SchedulePolicy
from rapport.public_holidays import library_holidays
from rapport.settings import Settings
from rapport.vocabulary import Rapport, SenderRole, VacancyStatus
from workflows.candidate import CandidateWorkflow

from .conftest import StartCandidate
from .factories import invite_to_webinar, load, make_match, make_vacancy

BERLIN = ZoneInfo("Europe/Berlin")


async def touches_of(
    sessions: async_sessionmaker[AsyncSession], candidate_id: uuid.UUID
) -> list[Touch]:
    async with sessions() as session:
        return list(await touch_repo.list_touches(session, candidate_id))


async def tasks_of(
    sessions: async_sessionmaker[AsyncSession], candidate_id: uuid.UUID
) -> Sequence[Task]:
    async with sessions() as session:
        result = await session.execute(
            select(Task).where(Task.candidate_id == candidate_id).order_by(Task.created_at)
        )
        return result.scalars().all()


async def ensure_articles(sessions: async_sessionmaker[AsyncSession], tag: str, count: int) -> None:
    async with sessions.begin() as session:
        for number in range(count):
            url = f"https://blog.example.com/{tag}/{number}"
            if await article_repo.get_article_by_url(session, url) is None:
                await article_repo.add_article(
                    session, title=f"On {tag}, part {number}", url=url, summary=None, tags=[tag]
                )


async def test_cold_linkedin_contact_over_two_years(
    time_env: WorkflowEnvironment,
    start_candidate: StartCandidate,
    sessions: async_sessionmaker[AsyncSession],
    mailbox: MailboxHandler,
) -> None:
    """No handwritten note, no public post, and fewer touches than a warm contact."""
    topic = f"topic-{uuid.uuid4().hex[:6]}"
    await ensure_articles(sessions, topic, 12)
    today = (await time_env.get_current_time()).astimezone(BERLIN).date()
    common = {
        "birthday_month": (today + timedelta(days=50)).month,
        "birthday_day": min((today + timedelta(days=50)).day, 28),
        "job_started_on": (today + timedelta(days=200)).replace(year=2018, day=1),
        "skills": [topic],
        "linkedin_url": "https://www.linkedin.com/in/someone",
        "postal_address": "Hauptstr. 1\n10115 Berlin",
    }
    cold, cold_facts = await make_candidate(
        sessions,
        relationship_origin="linkedin_connection",
        rapport="cold",
        email=None,
        consent={},
        **common,
    )
    warm, warm_facts = await make_candidate(
        sessions, relationship_origin="former_colleague", rapport="warm", **common
    )
    for facts in (cold_facts, warm_facts):
        await start_candidate(CandidateState(facts=facts, policy=SchedulePolicy()))

    await time_env.sleep(timedelta(days=730))

    cold_touches = await touches_of(sessions, cold.id)
    warm_touches = await touches_of(sessions, warm.id)
    cold_channels = {touch.channel for touch in cold_touches if touch.channel}
    assert cold_channels == {"linkedin_message"}, cold_channels
    assert not any(touch.channel in ("handwritten_note", "linkedin_post") for touch in cold_touches)
    # Every cold touch was a draft for the owner; nobody acted, and with no email to fall
    # back on, each was skipped with the reason.
    attempted = [touch for touch in cold_touches if touch.channel]
    assert attempted and all(touch.status == "skipped" for touch in attempted)
    assert all(touch.reason for touch in cold_touches)
    cold_tasks = await tasks_of(sessions, cold.id)
    assert cold_tasks and {task.status for task in cold_tasks} == {"expired"}
    assert {task.owner for task in cold_tasks} == {"jane.doe@example.com"}

    warm_attempted = [touch for touch in warm_touches if touch.channel]
    assert len(attempted) < len(warm_attempted)
    # The warm former colleague's anniversaries are public congratulations first.
    assert any(touch.channel == "linkedin_post" for touch in warm_touches)
    assert any(touch.occasion == "check_in" and touch.status == "sent" for touch in warm_touches)
    sent_articles = [t.article_id for t in warm_touches if t.article_id and t.status == "sent"]
    assert len(sent_articles) == len(set(sent_articles)), "an article went twice"
    assert all(message["To"] == warm.email for message in mailbox.messages)


async def test_met_at_a_conference_gets_a_note_task_then_an_email_when_the_owner_does_nothing(
    time_env: WorkflowEnvironment,
    start_candidate: StartCandidate,
    sessions: async_sessionmaker[AsyncSession],
    mailbox: MailboxHandler,
) -> None:
    candidate, facts = await make_candidate(
        sessions,
        relationship_origin="linkedin_connection",
        rapport="cold",
        birthday_month=None,
        birthday_day=None,
        job_started_on=None,
        postal_address="Hauptstr. 1\n10115 Berlin",
        linkedin_url="https://www.linkedin.com/in/margarethe",
        greetings_only=False,
    )
    handle = await start_candidate(CandidateState(facts=facts, policy=SchedulePolicy()))
    met_on = (await time_env.get_current_time()).astimezone(BERLIN).date()

    session, stored = await load(sessions, candidate.id)
    async with session:
        await lifecycle.met_in_person(
            session,
            time_env.client,
            stored,
            # Constructed, not validated: the server's clock has run years ahead of the real
            # one, which the API's "not in the future" check would refuse.
            MetInPersonBody.model_construct(
                type="met_in_person",
                event="PyCon DE",
                date=met_on,
                rapport=Rapport.STRONG,
                met_by="sam.lee@example.com",
            ),
        )

    await time_env.sleep(timedelta(days=20))

    tasks = await tasks_of(sessions, candidate.id)
    note = [task for task in tasks if task.channel == "handwritten_note"]
    assert len(note) == 1
    assert note[0].owner == "sam.lee@example.com"
    assert note[0].occasion == "event_follow_up"
    assert "PyCon DE" in note[0].draft
    assert note[0].status == "expired"
    created = note[0].created_at.astimezone(BERLIN).date()
    assert created - met_on <= timedelta(days=14)
    touches = await touches_of(sessions, candidate.id)
    thanks = [t for t in touches if t.occasion == "event_follow_up"]
    assert {(t.channel, t.status) for t in thanks} == {
        ("handwritten_note", "skipped"),
        ("email", "sent"),
    }
    emailed = next(t for t in thanks if t.channel == "email")
    assert emailed.sender == "sam.lee@example.com"
    assert [m["Subject"] for m in mailbox.messages if "PyCon DE" in str(m["Subject"])]
    status = await handle.query(CandidateWorkflow.status, StatusQuery())
    assert status.stage == "nurturing"
    async with sessions() as session:
        refreshed = await candidate_repo.get_candidate(session, candidate.id)
    assert refreshed is not None
    assert (refreshed.rapport, refreshed.relationship_origin) == ("strong", "in_person_event")


async def test_interested_reply_stops_automation_and_asks_the_owner_to_follow_up(
    time_env: WorkflowEnvironment,
    start_candidate: StartCandidate,
    sessions: async_sessionmaker[AsyncSession],
    mailbox: MailboxHandler,
) -> None:
    today = (await time_env.get_current_time()).astimezone(BERLIN).date()
    soon = today + timedelta(days=20)
    candidate, facts = await make_candidate(
        sessions, birthday_month=soon.month, birthday_day=min(soon.day, 28)
    )
    handle = await start_candidate(CandidateState(facts=facts, policy=SchedulePolicy()))

    session, stored = await load(sessions, candidate.id)
    async with session:
        await lifecycle.replied(
            session,
            time_env.client,
            stored,
            RepliedBody(type="replied", sentiment="interested", channel="email"),  # type: ignore[arg-type]
        )
    await time_env.sleep(timedelta(days=400))

    assert mailbox.messages == []
    assert [t for t in await touches_of(sessions, candidate.id) if t.status == "sent"] == []
    status = await handle.query(CandidateWorkflow.status, StatusQuery())
    assert status.stage == "engaged"
    assert status.next_touch is None
    tasks = await tasks_of(sessions, candidate.id)
    assert len(tasks) == 1
    assert tasks[0].owner == "jane.doe@example.com"
    assert tasks[0].status == "open"
    assert "Margarethe" in tasks[0].draft


async def test_total_opt_out_while_a_draft_waits_cancels_it_and_nothing_follows(
    time_env: WorkflowEnvironment,
    start_candidate: StartCandidate,
    sessions: async_sessionmaker[AsyncSession],
    mailbox: MailboxHandler,
) -> None:
    today = (await time_env.get_current_time()).astimezone(BERLIN).date()
    soon = today + timedelta(days=3)
    candidate, facts = await make_candidate(
        sessions,
        rapport="cold",
        relationship_origin="linkedin_connection",
        linkedin_url="https://www.linkedin.com/in/margarethe",
        birthday_month=soon.month,
        birthday_day=soon.day if (soon.month, soon.day) != (2, 29) else 28,
        job_started_on=None,
        greetings_only=True,
    )
    handle = await start_candidate(CandidateState(facts=facts, policy=SchedulePolicy()))
    # Until the birthday's window opens and the owner gets a LinkedIn draft.
    for _ in range(40):
        await time_env.sleep(timedelta(hours=3))
        if (await handle.query(CandidateWorkflow.status, StatusQuery())).waiting_for_task:
            break
    tasks = await tasks_of(sessions, candidate.id)
    assert [(t.channel, t.status) for t in tasks] == [("linkedin_message", "open")]

    session, stored = await load(sessions, candidate.id)
    async with session:
        await lifecycle.opt_out(session, time_env.client, stored, OptOutBody())
    await time_env.sleep(timedelta(days=400))

    # The workflow has ended (result() raises otherwise). Not describe(): the test server
    # reports an unset Datetime search attribute as a null that the client cannot parse.
    assert await time_env.client.get_workflow_handle(handle.id).result() is None
    tasks = await tasks_of(sessions, candidate.id)
    assert [t.status for t in tasks] == ["cancelled"]
    touches = await touches_of(sessions, candidate.id)
    assert [(t.status, t.reason) for t in touches] == [("skipped", "cancelled: opted_out")]
    assert mailbox.messages == []


async def test_opt_out_of_email_before_a_greeting_means_no_email(
    time_env: WorkflowEnvironment,
    start_candidate: StartCandidate,
    sessions: async_sessionmaker[AsyncSession],
    mailbox: MailboxHandler,
) -> None:
    today = (await time_env.get_current_time()).astimezone(BERLIN).date()
    soon = today + timedelta(days=5)
    candidate, facts = await make_candidate(
        sessions,
        birthday_month=soon.month,
        birthday_day=min(soon.day, 28),
        job_started_on=None,
        greetings_only=True,
    )
    handle = await start_candidate(CandidateState(facts=facts, policy=SchedulePolicy()))
    session, stored = await load(sessions, candidate.id)
    async with session:
        await lifecycle.opt_out(
            session, time_env.client, stored, OptOutBody.model_validate({"channels": ["email"]})
        )
    await time_env.sleep(timedelta(days=30))

    assert mailbox.messages == []
    touches = await touches_of(sessions, candidate.id)
    assert [(t.occasion, t.status) for t in touches] == [("birthday", "skipped")]
    assert touches[0].reason is not None and "opted out of email" in touches[0].reason
    status = await handle.query(CandidateWorkflow.status, StatusQuery())
    assert status.stage == "nurturing"


async def test_vacancies_matched_together_go_out_in_one_private_message(
    time_env: WorkflowEnvironment,
    start_candidate: StartCandidate,
    sessions: async_sessionmaker[AsyncSession],
    mailbox: MailboxHandler,
) -> None:
    candidate, facts = await make_candidate(
        sessions, birthday_month=None, birthday_day=None, job_started_on=None,
        linkedin_url="https://www.linkedin.com/in/margarethe",
    )  # fmt: skip
    titles = ["Staff Data Engineer", "Platform Engineer"]
    vacancy_ids = []
    async with sessions.begin() as session:
        for title in titles:
            vacancy = Vacancy(
                id=uuid.uuid4(), external_id=f"req-{uuid.uuid4().hex[:8]}", title=title,
                skills=["python"], status="open", workflow_id="vacancy-x", remote=True,
                url=f"https://jobs.example.com/{title.lower().replace(' ', '-')}",
            )  # fmt: skip
            session.add(vacancy)
            await session.flush()
            await vacancy_repo.save_matches(
                session,
                vacancy.id,
                [{"candidate_id": candidate.id, "score": 0.8, "status": "matched",
                  "reasons": [f"your python experience fits the {title} team"]}],
            )  # fmt: skip
            vacancy_ids.append(str(vacancy.id))
    handle = await start_candidate(CandidateState(facts=facts, policy=SchedulePolicy()))
    for vacancy_id in vacancy_ids:
        opened = VacancyOpened(vacancy_id, SenderRole.EMPLOYEE, "maria.hm@example.com")
        await handle.signal(CandidateWorkflow.vacancy_opened, opened)
        await handle.signal(CandidateWorkflow.vacancy_opened, opened)  # a repeat is ignored
    await time_env.sleep(timedelta(days=3))

    assert len(mailbox.messages) == 1
    text = mailbox.messages[0].get_content()
    for title in titles:
        assert title in text
    # Why, in words for them; the recruiter's reasons stay with the recruiter.
    assert text.count("because of your experience with python") == 2
    assert "your python experience fits" not in text
    assert mailbox.messages[0]["Reply-To"] == "maria.hm@example.com"
    touches = await touches_of(sessions, candidate.id)
    assert [(t.occasion, t.channel, t.status) for t in touches] == [("vacancy", "email", "sent")]
    async with sessions() as session:
        for vacancy_id in vacancy_ids:
            counts = await vacancy_repo.match_counts(session, uuid.UUID(vacancy_id))
            assert counts == {"notified": 1}


async def close_vacancy(
    sessions: async_sessionmaker[AsyncSession], env: WorkflowEnvironment, vacancy_id: str
) -> list[str]:
    """What the vacancy workflow does on close: cancel what has not gone out, tell each."""
    async with sessions.begin() as session:
        vacancy = await vacancy_repo.get_vacancy(session, uuid.UUID(vacancy_id))
        assert vacancy is not None
        vacancy.status = VacancyStatus.CLOSED
    closing = FanOutActivities(sessions).close_matches
    told = await ActivityEnvironment().run(closing, CloseMatchesInput(vacancy_id))
    for candidate_id in told.candidate_ids:
        handle = env.client.get_workflow_handle(f"candidate-{candidate_id}")
        await handle.signal(CandidateWorkflow.vacancy_closed, VacancyClosed(vacancy_id))
    return told.candidate_ids


async def test_closing_a_vacancy_cancels_its_waiting_draft_and_keeps_the_other_role(
    time_env: WorkflowEnvironment,
    start_candidate: StartCandidate,
    sessions: async_sessionmaker[AsyncSession],
    mailbox: MailboxHandler,
) -> None:
    candidate, facts = await make_candidate(
        sessions, birthday_month=None, birthday_day=None, job_started_on=None, consent={},
        rapport="cold", relationship_origin="linkedin_connection",
        linkedin_url="https://www.linkedin.com/in/margarethe",
    )  # fmt: skip
    first = await make_vacancy(sessions, title="Staff Data Engineer")
    second = await make_vacancy(sessions, title="Platform Engineer")
    for vacancy in (first, second):
        await make_match(sessions, vacancy, candidate)
    handle = await start_candidate(CandidateState(facts=facts, policy=SchedulePolicy()))
    for vacancy in (first, second):
        opened = VacancyOpened(str(vacancy.id), SenderRole.EMPLOYEE, facts.owner)
        await handle.signal(CandidateWorkflow.vacancy_opened, opened)

    async def drafts(count: int) -> Sequence[Task]:
        for _ in range(40):
            tasks = await tasks_of(sessions, candidate.id)
            if len(tasks) == count and tasks[-1].status == "open":
                return tasks
            await time_env.sleep(timedelta(hours=3))
        raise AssertionError(
            f"expected {count} drafts, have {await tasks_of(sessions, candidate.id)}"
        )

    [both] = await drafts(1)
    assert "Staff Data Engineer" in both.draft and "Platform Engineer" in both.draft

    # The second role closes while the draft naming both waits for the owner.
    assert await close_vacancy(sessions, time_env, str(second.id)) == [str(candidate.id)]
    cancelled, only_first = await drafts(2)
    assert cancelled.status == "cancelled"
    assert "Staff Data Engineer" in only_first.draft
    assert "Platform Engineer" not in only_first.draft
    async with sessions() as session:
        assert await vacancy_repo.match_counts(session, second.id) == {"cancelled": 1}
        assert await vacancy_repo.match_counts(session, first.id) == {"notified": 1}

    # Then the first closes too: its draft is withdrawn, and nothing was ever sent.
    await close_vacancy(sessions, time_env, str(first.id))
    await time_env.sleep(timedelta(hours=1))
    assert [t.status for t in await tasks_of(sessions, candidate.id)] == ["cancelled"] * 2
    async with sessions() as session:
        assert await vacancy_repo.match_counts(session, first.id) == {"cancelled": 1}
    assert mailbox.messages == []


async def test_an_invitation_that_would_arrive_after_its_event_is_not_sent(
    time_env: WorkflowEnvironment,
    start_candidate: StartCandidate,
    sessions: async_sessionmaker[AsyncSession],
    mailbox: MailboxHandler,
) -> None:
    # Night where they live: the next send window opens after the webinar has begun.
    zone, _ = zone_in_send_window(await time_env.get_current_time(), inside=False)
    candidate, facts = await make_candidate(
        sessions, timezone=zone, birthday_month=None, birthday_day=None, job_started_on=None
    )
    handle = await start_candidate(CandidateState(facts=facts, policy=SchedulePolicy()))
    starts_at = await time_env.get_current_time() + timedelta(hours=1)
    await invite_to_webinar(sessions, time_env.client, candidate.id, starts_at)
    await time_env.sleep(timedelta(days=7))  # past a weekend and a holiday or two

    touches = await touches_of(sessions, candidate.id)
    assert [(t.occasion, t.status) for t in touches] == [("invitation", "skipped")]
    assert (touches[0].reason or "").startswith("missed its moment")
    assert mailbox.messages == []
    assert (await handle.query(CandidateWorkflow.status, StatusQuery())).stage == "nurturing"


async def test_not_interested_while_a_vacancy_waits_records_it_as_not_contacted(
    time_env: WorkflowEnvironment,
    start_candidate: StartCandidate,
    sessions: async_sessionmaker[AsyncSession],
    mailbox: MailboxHandler,
) -> None:
    candidate, facts = await make_candidate(
        sessions, birthday_month=None, birthday_day=None, job_started_on=None
    )
    vacancy = await make_vacancy(sessions)
    await make_match(sessions, vacancy, candidate)
    handle = await start_candidate(
        CandidateState(facts=facts, policy=SchedulePolicy(vacancy_batch_seconds=600))
    )
    opened = VacancyOpened(str(vacancy.id), SenderRole.EMPLOYEE, facts.owner)
    await handle.signal(CandidateWorkflow.vacancy_opened, opened)
    # They answer "not interested" to something else within the vacancy's batching wait.
    session, stored = await load(sessions, candidate.id)
    async with session:
        await lifecycle.replied(
            session, time_env.client, stored,
            RepliedBody.model_validate({"type": "replied", "sentiment": "not_interested"}),
        )  # fmt: skip
    await time_env.sleep(timedelta(days=3))

    assert mailbox.messages == []
    touches = await touches_of(sessions, candidate.id)
    assert [(t.occasion, t.status) for t in touches] == [("vacancy", "skipped")]
    async with sessions() as session:
        assert await vacancy_repo.match_counts(session, vacancy.id) == {"skipped": 1}
    state = await handle.query(CandidateWorkflow.full_state, StatusQuery())
    assert state.pending == []


def first_working_day(day: date, country: str, send_days: list[int]) -> date:
    while day.weekday() not in send_days or day in library_holidays(country, day.year):
        day += timedelta(days=1)
    return day


def zone_at(now: datetime, hours: range) -> tuple[str, datetime]:
    """A zone where it is one of `hours` o'clock now."""
    for name in ZONES_AROUND_THE_WORLD:
        local = now.astimezone(ZoneInfo(name))
        if local.hour in hours:
            return name, local
    raise AssertionError(f"no zone at {hours} now")


@pytest.mark.parametrize(
    "hours",
    [range(10, 15), range(6, 9)],
    ids=["the wish goes at once, the vacancy comes after it", "both known before the window"],
)
async def test_a_birthday_today_and_a_vacancy_the_same_morning_go_three_days_apart(
    time_env: WorkflowEnvironment,
    start_candidate: StartCandidate,
    sessions: async_sessionmaker[AsyncSession],
    mailbox: MailboxHandler,
    hours: range,
) -> None:
    """Issue 12's example: the wish goes alone today, the vacancy when the quiet days have
    passed (three days later, or the first working day after), under a new enrolment's policy."""
    zone, local_now = zone_at(await time_env.get_current_time(), hours)
    today = local_now.date()
    country = country_without_holiday(today)
    candidate, facts = await make_candidate(
        sessions, timezone=zone, country=country, birthday_month=today.month,
        birthday_day=today.day, job_started_on=None,
    )  # fmt: skip
    policy = schedule_policy(Settings(_env_file=None))  # type: ignore[call-arg]
    assert (policy.greeting_quiet_days, policy.one_touch_per_day) == (3, True)
    vacancy = await make_vacancy(sessions, title="Staff Data Engineer")
    await make_match(sessions, vacancy, candidate)
    handle = await start_candidate(CandidateState(facts=facts, policy=policy))
    opened = VacancyOpened(str(vacancy.id), SenderRole.EMPLOYEE, "maria.hm@example.com")
    await handle.signal(CandidateWorkflow.vacancy_opened, opened)

    await time_env.sleep(timedelta(hours=3))
    tz = ZoneInfo(zone)
    expected = first_working_day(today + timedelta(days=3), country, policy.send_days)
    assert [message["To"] for message in mailbox.messages] == [candidate.email]
    wished = await touches_of(sessions, candidate.id)
    assert [(t.occasion, t.status) for t in wished] == [("birthday", "sent")]
    plan = await handle.query(CandidateWorkflow.plan, PlanQuery(days=30))
    waiting = [touch for touch in plan.items if touch.occasion == "vacancy"]
    assert [(t.local_date, t.skip) for t in waiting] == [(expected.isoformat(), False)]
    assert waiting[0].due_at.astimezone(tz).strftime("%H:%M") == policy.window_start

    await time_env.sleep(expected - today + timedelta(days=1))
    touches = sorted(await touches_of(sessions, candidate.id), key=lambda touch: touch.due_at)
    assert [(t.occasion, t.status, t.due_at.astimezone(tz).date()) for t in touches] == [
        ("birthday", "sent", today),
        ("vacancy", "sent", expected),
    ]
    assert len(mailbox.messages) == 2
    assert "Staff Data Engineer" in mailbox.messages[1].get_content()
    async with sessions() as session:
        assert await vacancy_repo.match_counts(session, vacancy.id) == {"notified": 1}


async def test_three_years_of_greetings_vacancies_and_meetings_keep_the_spacing(
    time_env: WorkflowEnvironment,
    start_candidate: StartCandidate,
    sessions: async_sessionmaker[AsyncSession],
    mailbox: MailboxHandler,
) -> None:
    """Every year a vacancy opens on the morning of their birthday and another the day after,
    they are met in person the day before their work anniversary, and a webinar invites them
    two days after it: over three years, never two messages on one of their days, never
    business within three days of a greeting, and every vacancy still reaches them."""
    topic = f"topic-{uuid.uuid4().hex[:6]}"
    await ensure_articles(sessions, topic, 20)
    start = (await time_env.get_current_time()).astimezone(BERLIN)
    birthday = (start + timedelta(days=40)).date()
    anniversary = (start + timedelta(days=150)).date()
    candidate, facts = await make_candidate(
        sessions, skills=[topic], birthday_month=birthday.month,
        birthday_day=min(birthday.day, 28),
        job_started_on=anniversary.replace(year=2018, day=min(anniversary.day, 28)),
    )  # fmt: skip
    policy = schedule_policy(Settings(_env_file=None))  # type: ignore[call-arg]
    handle = await start_candidate(CandidateState(facts=facts, policy=policy))
    vacancies = []

    async def at(day: date, hour: int) -> None:
        moment = datetime.combine(day, datetime.min.time(), BERLIN) + timedelta(hours=hour)
        await time_env.sleep(moment - await time_env.get_current_time())

    for year in range(3):
        wish_day = birthday.replace(year=birthday.year + year, day=min(birthday.day, 28))
        for day, hour in ((wish_day, 7), (wish_day + timedelta(days=1), 11)):
            await at(day, hour)
            vacancy = await make_vacancy(sessions, title=f"Role {year}-{hour}")
            await make_match(sessions, vacancy, candidate)
            vacancies.append(vacancy)
            opened = VacancyOpened(str(vacancy.id), SenderRole.EMPLOYEE, "maria.hm@example.com")
            await handle.signal(CandidateWorkflow.vacancy_opened, opened)
        party = anniversary.replace(year=anniversary.year + year, day=min(anniversary.day, 28))
        await at(party - timedelta(days=1), 18)
        session, stored = await load(sessions, candidate.id)
        async with session:
            await lifecycle.met_in_person(
                session, time_env.client, stored,
                MetInPersonBody.model_construct(
                    type="met_in_person", event=f"Meetup {year}", date=party - timedelta(days=1),
                    rapport=Rapport.WARM, met_by="sam.lee@example.com",
                ),
            )  # fmt: skip
        await at(party + timedelta(days=2), 10)
        starts_at = await time_env.get_current_time() + timedelta(days=1)
        await invite_to_webinar(sessions, time_env.client, candidate.id, starts_at)
    await at(birthday.replace(year=birthday.year + 3), 0)

    sent = sorted(
        (touch.due_at.astimezone(BERLIN).date(), touch.occasion)
        for touch in await touches_of(sessions, candidate.id)
        if touch.status == "sent"
    )
    days = [day for day, _ in sent]
    assert len(days) == len(set(days)), sent
    greetings = [day for day, occasion in sent if occasion in ("birthday", "work_anniversary")]
    business = [day for day, occasion in sent if occasion in ("vacancy", "invitation", "check_in")]
    assert len(greetings) >= 3 and len(business) >= 3, sent
    too_close = [(g, b) for g in greetings for b in business if abs((b - g).days) < 3]
    assert too_close == [], sent
    async with sessions() as session:
        for vacancy in vacancies:
            assert await vacancy_repo.match_counts(session, vacancy.id) == {"notified": 1}
