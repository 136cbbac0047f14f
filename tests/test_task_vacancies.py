"""A vacancy draft is linked to the vacancies it names (`task_vacancies`), and closing a
vacancy finds its drafts through that link, never by searching idempotency keys."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import ActivityEnvironment

from activities.drafting import MessageSettings
from activities.mail import Mailer
from activities.templates import Renderer
from activities.touches import TouchActivities
from harness.rows import make_candidate
from rapport.contracts.touches import CloseTaskInput, OpenTaskInput, SendTouchInput
from rapport.db.models import Candidate, Vacancy
from rapport.db.repositories import tasks as task_repo
from rapport.db.repositories import vacancies as vacancy_repo
from rapport.vocabulary import Channel, MatchStatus, Occasion, SenderRole, TaskStatus

from .factories import make_match, make_vacancy

DEADLINE = datetime(2027, 3, 17, 16, 0, tzinfo=UTC)


def touches(sessions: async_sessionmaker[AsyncSession]) -> TouchActivities:
    settings = MessageSettings(company="Acme", base_url="https://r.example.com", secret_key="s")
    mailer = Mailer("127.0.0.1", 1, mail_from="r@example.com")  # a draft sends nothing
    return TouchActivities(sessions, mailer, Renderer(), settings)


def draft(candidate: Candidate, vacancies: list[Vacancy], *, listed: bool = True) -> OpenTaskInput:
    ref = ",".join(sorted(str(vacancy.id) for vacancy in vacancies))
    touch = SendTouchInput(
        candidate_id=str(candidate.id),
        occasion=Occasion.VACANCY,
        channel=Channel.LINKEDIN_MESSAGE,
        sender_role=SenderRole.EMPLOYEE,
        due_at=datetime(2027, 3, 14, 9, 0, tzinfo=UTC),
        local_date="2027-03-14",
        idempotency_key=f"{candidate.id}:vacancy:{ref}",
        sender="hm@example.com",
        ref_id=ref,
        # Not listed: as an activity scheduled by a worker from before the list.
        vacancy_ids=sorted(str(vacancy.id) for vacancy in vacancies) if listed else [],
    )
    return OpenTaskInput(touch, DEADLINE)


async def linked(sessions: async_sessionmaker[AsyncSession], task_id: str) -> list[uuid.UUID]:
    async with sessions() as session:
        return await vacancy_repo.vacancies_of_task(session, uuid.UUID(task_id))


async def test_a_vacancy_draft_is_linked_to_every_vacancy_it_names(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    env = ActivityEnvironment()
    for listed in (True, False):
        candidate, _ = await make_candidate(sessions, linkedin_url="https://www.linkedin.com/in/m")
        vacancies = [await make_vacancy(sessions) for _ in range(2)]
        for vacancy in vacancies:
            await make_match(sessions, vacancy, candidate)
        opened = await env.run(
            touches(sessions).open_task, draft(candidate, vacancies, listed=listed)
        )
        assert opened.task_id is not None, opened
        again = await env.run(
            touches(sessions).open_task, draft(candidate, vacancies, listed=listed)
        )
        assert again.task_id == opened.task_id
        assert await linked(sessions, opened.task_id) == sorted(v.id for v in vacancies)

        # Cancelled for a vacancy that closed: the vacancies it named are matched again.
        cancel = CloseTaskInput(
            opened.task_id, TaskStatus.CANCELLED, "cancelled: vacancy closed", vacancy_closed=True
        )
        await env.run(touches(sessions).close_task, cancel)
        async with sessions() as session:
            counts = [await vacancy_repo.match_counts(session, v.id) for v in vacancies]
        assert counts == [{MatchStatus.MATCHED: 1}] * 2, listed


async def test_closing_a_vacancy_finds_its_drafts_through_the_link_alone(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    vacancy, other = await make_vacancy(sessions), await make_vacancy(sessions)
    waiting, _ = await make_candidate(sessions, linkedin_url="https://www.linkedin.com/in/w")
    unlinked, _ = await make_candidate(sessions)
    await make_match(sessions, vacancy, waiting)
    opened = await ActivityEnvironment().run(touches(sessions).open_task, draft(waiting, [vacancy]))
    assert opened.task_id is not None
    await make_match(sessions, vacancy, unlinked, status=MatchStatus.NOTIFIED)
    await make_match(sessions, other, unlinked, status=MatchStatus.NOTIFIED)
    # A draft whose key merely contains the vacancy's id, without being linked to it.
    async with sessions.begin() as session:
        stray = task_repo.add_task(
            session,
            id=uuid.uuid4(),
            candidate_id=unlinked.id,
            idempotency_key=f"{unlinked.id}:vacancy:{other.id}:note-about-{vacancy.id}",
            owner="hm@example.com",
            occasion=Occasion.VACANCY,
            channel=Channel.LINKEDIN_MESSAGE,
            sender_role=SenderRole.EMPLOYEE,
            draft="Hello",
            due_at=DEADLINE,
            status=TaskStatus.OPEN,
        )
        await task_repo.link_vacancies(session, stray, [other.id])

    async with sessions() as session:
        pending = await vacancy_repo.pending_matches(session, vacancy.id)
    assert pending == [waiting.id]

    # Skipped in the inbox: only the vacancies it is linked to hear of it.
    async with sessions.begin() as session:
        await vacancy_repo.draft_not_sent(session, stray, status=MatchStatus.SKIPPED, reason="no")
    async with sessions() as session:
        assert await vacancy_repo.match_counts(session, other.id) == {"skipped": 1}
        assert await vacancy_repo.match_counts(session, vacancy.id) == {"notified": 2}
