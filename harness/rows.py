"""Rows written straight to PostgreSQL through the repositories, for tests and benchmarks alike:
a stored candidate, person, vacancy or match with plausible defaults, any of them overridden."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from rapport.db.models import Candidate, Person, Vacancy
from rapport.db.repositories import candidates as candidate_repo
from rapport.db.repositories import people as people_repo
from rapport.db.repositories import vacancies as vacancy_repo
from rapport.facts import facts_from_candidate
from rapport.outreach.state import CandidateFacts


async def make_candidate(
    sessions: async_sessionmaker[AsyncSession], **overrides: Any
) -> tuple[Candidate, CandidateFacts]:
    candidate_id = uuid.uuid4()
    values: dict[str, Any] = {
        "id": candidate_id,
        "workflow_id": f"candidate-{candidate_id}",
        "external_id": f"ext-{candidate_id.hex[:10]}",
        "full_name": "Margarethe Vasquez-Oyelaran",
        "email": f"m.vasquez.{candidate_id.hex[:6]}@example.com",
        "timezone": "Europe/Berlin",
        "country": "DE",
        "birthday_year": 1988,
        "birthday_month": 3,
        "birthday_day": 14,
        "current_employer": "Globex",
        "current_title": "Staff Engineer",
        "job_started_on": date(2019, 9, 2),
        "skills": ["python"],
        "interests": [],
        "consent": {"email": True},
        "opt_outs": [],
        "relationship_origin": "former_colleague",
        "rapport": "warm",
        "owner": "jane.doe@example.com",
        "owner_role": "employee",
        "stage": "nurturing",
    }
    values.update(overrides)
    async with sessions.begin() as session:
        candidate_repo.add_candidate(session, **values)
    async with sessions() as session:
        stored = await candidate_repo.get_candidate(session, candidate_id)
    assert stored is not None
    return stored, facts_from_candidate(stored)


async def make_person(
    sessions: async_sessionmaker[AsyncSession], email: str, name: str, **values: Any
) -> Person:
    """A team directory entry, as it is if the address has one already (then `values` are
    ignored): tests share one database, and a name, once given, stays the same."""
    async with sessions.begin() as session:
        await people_repo.add_person(session, email=email, name=name, **values)
    async with sessions() as session:
        person = await people_repo.get_person(session, email)
    assert person is not None
    return person


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
