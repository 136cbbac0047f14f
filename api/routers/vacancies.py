"""Vacancies: open one (it fans out to matching candidates), watch it, close it."""

from __future__ import annotations

import contextlib
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Response, status
from sqlalchemy.exc import IntegrityError
from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.service import RPCError, RPCStatusCode

from api.auth import READ, READ_ALL, WRITE, PrincipalDep
from api.deps import SessionDep, SettingsDep, TemporalDep, id_or_404
from api.schemas import MatchList, MatchOut, SingleLine, VacancyBody, VacancyOut
from api.unavailable import RETRY_AFTER
from rapport.contracts.fanout import CloseVacancy, FanOutInput, FanOutState, FanOutStatusQuery
from rapport.db import repository
from rapport.db.models import Vacancy
from rapport.settings import Settings
from workflows.vacancy import VacancyWorkflow

router = APIRouter(prefix="/api/vacancies", tags=["vacancies"])
STATUS_TIMEOUT = timedelta(seconds=3)
# An offset into the matches; ASCII digits only ("²".isdigit() is true), and small.
CURSOR = re.compile(r"[0-9]{1,9}")


async def load_vacancy(session: SessionDep, vacancy_id: str) -> Vacancy:
    vacancy = await repository.get_vacancy(session, id_or_404(vacancy_id, "vacancy"))
    if vacancy is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "vacancy not found")
    return vacancy


async def start_fan_out(client: Client, settings: Settings, vacancy: Vacancy) -> None:
    await client.start_workflow(
        VacancyWorkflow.run,
        FanOutInput(
            state=FanOutState(
                kind="vacancy",
                target_id=str(vacancy.id),
                page_size=settings.fanout_page_size,
                concurrency=settings.fanout_concurrency,
            )
        ),
        id=vacancy.workflow_id,
        task_queue=settings.task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        static_summary=f"vacancy {vacancy.id}",
        static_details=f"opened {vacancy.created_at:%Y-%m-%d}; remote {vacancy.remote}",
    )


async def vacancy_out(session: SessionDep, client: Client, vacancy: Vacancy) -> VacancyOut:
    counts = await repository.match_counts(session, vacancy.id)
    out = VacancyOut.model_validate(vacancy, from_attributes=True)
    out.matched = sum(counts.values())
    out.notified = counts.get("notified", 0) + counts.get("replied", 0)
    out.replied = counts.get("replied", 0)
    out.skipped = counts.get("skipped", 0)
    out.cancelled = counts.get("cancelled", 0)
    out.pending = counts.get("matched", 0)
    out.skipped_reasons = await repository.skip_reasons(session, vacancy.id)
    handle: WorkflowHandle[Any, Any] = client.get_workflow_handle(vacancy.workflow_id)
    with contextlib.suppress(RPCError, TimeoutError):
        state = await handle.query(
            VacancyWorkflow.status, FanOutStatusQuery(), rpc_timeout=STATUS_TIMEOUT
        )
        out.fanned_out = state.fanned_out
    return out


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
    existing = await repository.get_vacancy_by_external_id(session, body.external_id)
    if existing is None:
        vacancy_id = uuid.uuid4()
        vacancy = Vacancy(
            id=vacancy_id,
            workflow_id=f"vacancy-{vacancy_id}",
            status="open",
            **body.model_dump(exclude_unset=False),
            created_at=datetime.now(UTC),
        )
        vacancy.skills = sorted({skill.lower() for skill in body.skills})
        vacancy.hiring_manager = str(body.hiring_manager).lower() if body.hiring_manager else None
        session.add(vacancy)
        try:
            await session.flush()
        except IntegrityError:
            await session.rollback()
            existing = await repository.get_vacancy_by_external_id(session, body.external_id)
        else:
            # Committed only once its workflow exists: no vacancy without a fan-out.
            await start_fan_out(temporal, settings, vacancy)
            await session.commit()
            return await vacancy_out(session, temporal, vacancy)
    assert existing is not None
    response.status_code = status.HTTP_200_OK
    return await vacancy_out(session, temporal, existing)


@router.get("/{vacancy_id}", dependencies=[READ_ALL])
async def get_vacancy(vacancy_id: str, session: SessionDep, temporal: TemporalDep) -> VacancyOut:
    """The vacancy with matched, notified, skipped (and why), replied and cancelled counts."""
    return await vacancy_out(session, temporal, await load_vacancy(session, vacancy_id))


@router.post("/{vacancy_id}/close", dependencies=[WRITE])
async def close_vacancy(vacancy_id: str, session: SessionDep, temporal: TemporalDep) -> VacancyOut:
    """Close it: vacancy messages not yet sent are cancelled. Closing twice changes nothing."""
    vacancy = await load_vacancy(session, vacancy_id)
    if vacancy.status == "open":
        vacancy.status = "closed"
        vacancy.closed_at = datetime.now(UTC)
        await session.commit()
    # Told every time, not only the first: a close whose signal was lost (Temporal away) is
    # completed by the client's retry. The workflow ignores a second one.
    handle: WorkflowHandle[Any, Any] = temporal.get_workflow_handle(vacancy.workflow_id)
    try:
        await handle.signal(VacancyWorkflow.close, CloseVacancy())
    except RPCError as err:
        if err.status != RPCStatusCode.NOT_FOUND:  # not found: it has finished closing
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE,
                "the vacancy is closed, but its pending messages could not be cancelled yet: "
                "Temporal did not answer; retry the close",
                headers=RETRY_AFTER,
            ) from err
    return await vacancy_out(session, temporal, vacancy)


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
    vacancy = await load_vacancy(session, vacancy_id)
    if cursor is not None and not CURSOR.fullmatch(cursor):
        raise HTTPException(422, [{"field": "cursor", "message": "not a cursor"}])
    offset = int(cursor or 0)
    rows = await repository.list_matches(
        session,
        vacancy.id,
        owner=principal.owner_filter(owner),
        limit=limit + 1,
        offset=offset,
    )
    items = [
        MatchOut(
            candidate_id=candidate.id,
            full_name=candidate.full_name,
            current_title=candidate.current_title,
            owner=candidate.owner,
            score=match.score,
            reasons=list(match.reasons or []),
            status=match.status,
            reason=match.reason,
        )
        for match, candidate in rows[:limit]
    ]
    more = len(rows) > limit
    return MatchList(items=items, next_cursor=str(offset + limit) if more else None)
