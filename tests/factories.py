"""Test data written straight to PostgreSQL through the repositories (candidates, vacancies and
matches come from `harness.rows`, which the benchmarks share)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from api.candidates import lifecycle
from api.candidates.schemas import InvitationBody
from harness.rows import make_match, make_vacancy
from rapport.db.models import Candidate
from rapport.db.repositories import candidates as candidate_repo
from rapport.vocabulary import InvitationKind

__all__ = ["invite_to_webinar", "load", "make_match", "make_vacancy"]


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
