"""Vacancies: open one (it fans out to matching candidates), watch it, close it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.auth import READ, READ_ALL, WRITE, PrincipalDep
from api.deps import SessionDep, SettingsDep, TemporalDep, id_or_404
from api.fields import SingleLine
from api.vacancies import service
from api.vacancies.schemas import MatchList, VacancyBody, VacancyOut

router = APIRouter(prefix="/api/vacancies", tags=["vacancies"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": VacancyOut, "description": "Already open: no second fan-out."}},
    dependencies=[WRITE],
)
async def open_vacancy(
    body: VacancyBody,
    response: Response,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
) -> VacancyOut:
    """Open a vacancy: its workflow matches candidates and signals each one's workflow."""
    out, created = await service.open_vacancy(session, temporal, settings, body)
    if not created:
        response.status_code = status.HTTP_200_OK
    return out


@router.get("/{vacancy_id}", dependencies=[READ_ALL])
async def get_vacancy(vacancy_id: str, session: SessionDep, temporal: TemporalDep) -> VacancyOut:
    """The vacancy with matched, notified, skipped (and why), replied and cancelled counts."""
    vacancy = await service.load(session, id_or_404(vacancy_id, "vacancy"))
    return await service.vacancy_out(session, temporal, vacancy)


@router.post("/{vacancy_id}/close", dependencies=[WRITE])
async def close_vacancy(vacancy_id: str, session: SessionDep, temporal: TemporalDep) -> VacancyOut:
    """Close it: vacancy messages not yet sent are cancelled. Closing twice changes nothing."""
    vacancy = await service.load(session, id_or_404(vacancy_id, "vacancy"))
    return await service.close(session, temporal, vacancy)


@router.get("/{vacancy_id}/matches", dependencies=[READ])
async def list_matches(
    vacancy_id: str,
    session: SessionDep,
    principal: PrincipalDep,
    owner: Annotated[SingleLine | None, Query(max_length=320)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: str | None = None,
) -> MatchList:
    """The candidates it matched, best first, with score, reasons and what became of each.

    An owner's key sees only the candidates they hold (the link in their digest)."""
    vacancy = await service.load(session, id_or_404(vacancy_id, "vacancy"))
    return await service.matches(
        session, vacancy, owner=principal.owner_filter(owner), limit=limit, cursor=cursor
    )
