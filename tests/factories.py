"""Test data written straight to PostgreSQL through the repositories (candidates come from
`harness.rows`, which the benchmarks share)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from api.candidates import lifecycle
from api.candidates.schemas import InvitationBody
from rapport.db.models import Candidate, Vacancy
from rapport.db.repositories import candidates as candidate_repo
from rapport.db.repositories import vacancies as vacancy_repo
from rapport.vocabulary import InvitationKind


async def load(
    sessions: async_sessionmaker[AsyncSession], candidate_id: uuid.UUID
) -> tuple[AsyncSession, Candidate]:
    """A stored candidate and the open session it belongs to (for the lifecycle functions)."""
    session = sessions()
    candidate = await candidate_repo.get_candidate(session, candidate_id)
    assert candidate is not None
    return session, candidate


async def invite_to_webinar(
    sessions: async_sessionmaker[AsyncSession],
    client: Client,
    candidate_id: uuid.UUID,
    starts_at: datetime,
) -> None:
    """Marketing invites the candidate to a webinar, as the API's route does."""
    session, stored = await load(sessions, candidate_id)
    async with session:
        await lifecycle.invite(
            session, client, stored,
            InvitationBody.model_construct(
                kind=InvitationKind.WEBINAR, sender_role="marketing", sender=None,
                title="Tracing at scale", url=None, starts_at=starts_at, message=None,
            ),
        )  # fmt: skip


async def make_vacancy(sessions: async_sessionmaker[AsyncSession], **overrides: Any) -> Vacancy:
    vacancy_id = uuid.uuid4()
    values: dict[str, Any] = {
        "id": vacancy_id,
        "workflow_id": f"vacancy-{vacancy_id}",
        "external_id": f"req-{vacancy_id.hex[:10]}",
        "title": "Staff Data Engineer",
        "skills": ["python"],
        "hiring_manager": "hm@example.com",
        "url": f"https://jobs.example.com/{vacancy_id.hex[:6]}",
        "status": "open",
    }
    values.update(overrides)
    async with sessions.begin() as session:
        session.add(Vacancy(**values))
    return Vacancy(**values)


async def make_match(
    sessions: async_sessionmaker[AsyncSession],
    vacancy: Vacancy,
    candidate: Candidate,
    *,
    score: float = 0.8,
    status: str = "matched",
    reason: str | None = None,
) -> None:
    row = {
        "candidate_id": candidate.id,
        "score": score,
        "reasons": [f"skills: {', '.join(vacancy.skills)}"],
        "status": status,
        "reason": reason,
    }
    async with sessions.begin() as session:
        await vacancy_repo.save_matches(session, vacancy.id, [row])
