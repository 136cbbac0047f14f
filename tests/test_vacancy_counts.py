"""What a vacancy's counts say about a candidate, against PostgreSQL."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

import rapport.timeouts as timeouts
from activities.fanout import FanOutActivities, NotCommittedYet
from harness.rows import make_candidate
from rapport.contracts.fanout import CloseMatchesInput, MatchPageInput
from rapport.db.models import VacancyMatch
from rapport.db.repositories import vacancies as vacancy_repo
from rapport.vocabulary import MatchStatus, VacancyStatus

from .factories import make_match, make_vacancy


async def test_a_reply_counts_for_recent_vacancy_messages_only(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    candidate, _ = await make_candidate(sessions)
    old, recent, pending = [await make_vacancy(sessions) for _ in range(3)]
    await make_match(sessions, old, candidate, status="notified")
    await make_match(sessions, recent, candidate, status="notified")
    await make_match(sessions, pending, candidate)
    async with sessions.begin() as session:
        await session.execute(
            update(VacancyMatch)
            .where(VacancyMatch.vacancy_id == old.id)
            .values(updated_at=datetime.now(UTC) - timedelta(days=40))
        )

    async with sessions.begin() as session:
        await vacancy_repo.mark_replied(session, candidate.id)

    async with sessions() as session:
        counts = [
            await vacancy_repo.match_counts(session, vacancy.id)
            for vacancy in (old, recent, pending)
        ]
    assert counts == [
        {"notified": 1}, {"replied": 1}, {"matched": 1},
    ]  # fmt: skip


async def test_closing_pages_through_the_pending_and_a_retried_page_tells_the_same_people(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    vacancy = await make_vacancy(sessions)
    candidates = [(await make_candidate(sessions))[0] for _ in range(3)]
    for candidate in candidates:
        await make_match(sessions, vacancy, candidate)
    reached, _ = await make_candidate(sessions)
    await make_match(sessions, vacancy, reached, status="notified")  # no draft waiting
    closing = FanOutActivities(sessions).close_matches
    ids = sorted(str(candidate.id) for candidate in candidates)

    first = await ActivityEnvironment().run(closing, CloseMatchesInput(str(vacancy.id), None, 2))
    retried = await ActivityEnvironment().run(closing, CloseMatchesInput(str(vacancy.id), None, 2))
    rest = await ActivityEnvironment().run(closing, CloseMatchesInput(str(vacancy.id), ids[1], 2))

    assert first.candidate_ids == retried.candidate_ids == ids[:2]
    assert rest.candidate_ids == ids[2:]
    async with sessions() as session:
        assert await vacancy_repo.match_counts(session, vacancy.id) == {
            "cancelled": 3, "notified": 1,
        }  # fmt: skip


async def test_a_page_waits_a_while_for_its_vacancy_to_be_committed_then_gives_up(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    page = FanOutActivities(sessions).match_page
    missing = MatchPageInput(kind="vacancy", target_id=str(uuid.uuid4()), after=None, limit=10)
    early = ActivityEnvironment()
    with pytest.raises(NotCommittedYet):
        await early.run(page, missing)
    late = ActivityEnvironment()
    late.info = dataclasses.replace(late.info, attempt=timeouts.NOT_COMMITTED_ATTEMPTS)
    with pytest.raises(ApplicationError) as raised:
        await late.run(page, missing)
    assert raised.value.non_retryable and "never committed" in str(raised.value)


async def test_skip_reasons_count_the_same_reason_whatever_its_date(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    vacancy = await make_vacancy(sessions)
    for day in ("2027-03-02", "2027-03-05"):
        candidate, _ = await make_candidate(sessions)
        reason = f"contact budget: birthday went out on {day}"
        await make_match(sessions, vacancy, candidate, status="skipped", reason=reason)
    candidate, _ = await make_candidate(sessions)
    await make_match(sessions, vacancy, candidate, status="skipped", reason="opted out of email")

    async with sessions() as session:
        reasons = await vacancy_repo.skip_reasons(session, vacancy.id)
    assert reasons == {"contact budget: birthday went out": 2, "opted out of email": 1}


async def test_statuses_read_back_as_the_vocabulary_and_others_are_refused(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    vacancy = await make_vacancy(sessions)
    candidate, _ = await make_candidate(sessions)
    await make_match(sessions, vacancy, candidate, status="notified")
    async with sessions() as session:
        stored = await vacancy_repo.get_vacancy(session, vacancy.id)
        [(match, _)] = await vacancy_repo.list_matches(session, vacancy.id, limit=5, offset=0)
        counts = await vacancy_repo.match_counts(session, vacancy.id)
    assert stored is not None and stored.status is VacancyStatus.OPEN
    assert match.status is MatchStatus.NOTIFIED
    assert [type(status) for status in counts] == [MatchStatus]
    # A word that is not a match status never reaches the table.
    with pytest.raises(StatementError, match="'sent' is not a valid MatchStatus"):
        async with sessions.begin() as session:
            await vacancy_repo.set_match_status(
                session,
                [vacancy.id],
                [candidate.id],
                status="sent",  # type: ignore[arg-type]
                reason=None,
            )
