"""What a vacancy's counts say about a candidate, against PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from rapport.db import repository
from rapport.db.models import VacancyMatch

from .factories import make_candidate, make_match, make_vacancy


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
        await repository.mark_replied(session, candidate.id)

    async with sessions() as session:
        counts = [
            await repository.match_counts(session, vacancy.id) for vacancy in (old, recent, pending)
        ]
    assert counts == [
        {"notified": 1}, {"replied": 1}, {"matched": 1},
    ]  # fmt: skip
