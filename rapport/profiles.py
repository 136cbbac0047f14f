"""Stored candidates and vacancies as the matcher sees them, and who writes to a match."""

from __future__ import annotations

from rapport.db.models import Candidate, Vacancy
from rapport.matching import CandidateProfile, VacancyProfile


def candidate_profile(candidate: Candidate) -> CandidateProfile:
    return CandidateProfile(
        skills=tuple(candidate.skills or ()),
        current_title=candidate.current_title,
        location=candidate.location,
    )


def writer(candidate: Candidate, vacancy: Vacancy) -> str | None:
    """Who a vacancy's message comes from, and so who hears of the match in their digest: the
    person who knows the candidate; without one, the hiring manager."""
    return candidate.owner or vacancy.hiring_manager


def vacancy_profile(vacancy: Vacancy) -> VacancyProfile:
    return VacancyProfile(
        title=vacancy.title,
        skills=tuple(vacancy.skills or ()),
        seniority=vacancy.seniority,
        location=vacancy.location,
        remote=vacancy.remote,
    )
