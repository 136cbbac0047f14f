"""Owners' digests: the matches no digest has listed yet, and the digests that went out."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from rapport.db.models import Candidate, Digest, Vacancy, VacancyMatch
from rapport.vocabulary import MatchStatus


async def undigested_matches(
    session: AsyncSession,
) -> list[tuple[Candidate, VacancyMatch, Vacancy]]:
    """Matches no owner's digest has listed yet, with whom to tell.

    Cancelled matches are left out (their vacancy closed before anyone heard of it), and so
    are candidates whom nobody wrote to: no relationship owner and no hiring manager. A match
    acted on before its vacancy closed is still news to the owner.
    """
    result = await session.execute(
        select(Candidate, VacancyMatch, Vacancy)
        .join(VacancyMatch, VacancyMatch.candidate_id == Candidate.id)
        .join(Vacancy, Vacancy.id == VacancyMatch.vacancy_id)
        .where(
            VacancyMatch.digest_id.is_(None),
            VacancyMatch.status != MatchStatus.CANCELLED,
            func.coalesce(Candidate.owner, Vacancy.hiring_manager).is_not(None),
        )
        .order_by(Vacancy.created_at, Vacancy.id, VacancyMatch.score.desc(), Candidate.full_name)
    )
    return [(candidate, match, vacancy) for candidate, match, vacancy in result.all()]


async def record_digest(
    session: AsyncSession,
    *,
    idempotency_key: str,
    owner: str,
    day: date,
    candidates: int,
    match_ids: Sequence[uuid.UUID],
    sent_at: datetime,
) -> None:
    """The digest went out: remember it, and that it listed these matches."""
    inserted = await session.execute(
        insert(Digest)
        .values(
            id=uuid.uuid4(),
            idempotency_key=idempotency_key,
            owner=owner,
            day=day,
            candidates=candidates,
            sent_at=sent_at,
        )
        .on_conflict_do_nothing(index_elements=[Digest.idempotency_key])
        .returning(Digest.id)
    )
    digest_id = inserted.scalar_one_or_none()
    if digest_id is None:
        existing = select(Digest.id).where(Digest.idempotency_key == idempotency_key)
        digest_id = (await session.execute(existing)).scalar_one()
    await session.execute(
        update(VacancyMatch)
        .where(VacancyMatch.id.in_(match_ids), VacancyMatch.digest_id.is_(None))
        .values(digest_id=digest_id)
    )


async def digest_sent(session: AsyncSession, idempotency_key: str) -> bool:
    result = await session.execute(
        select(Digest.id).where(Digest.idempotency_key == idempotency_key)
    )
    return result.scalar_one_or_none() is not None
