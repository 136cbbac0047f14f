"""Opening, reading and closing a vacancy, and its matches; the row and its workflow together."""

from __future__ import annotations

import contextlib
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.service import RPCError, RPCStatusCode

from api.create_then_start import create_then_start, fan_out_input
from api.errors import Invalid, NotFound, NotYetDone
from api.vacancies.schemas import MatchList, MatchOut, VacancyBody, VacancyOut
from rapport.contracts.fanout import CloseVacancy, FanOutStatusQuery
from rapport.db.models import Vacancy
from rapport.db.repositories import vacancies as vacancy_repo
from rapport.settings import Settings
from rapport.vocabulary import MatchStatus, VacancyStatus
from workflows.vacancy import VacancyWorkflow

STATUS_TIMEOUT = timedelta(seconds=3)
# An offset into the matches; ASCII digits only ("²".isdigit() is true), and small.
CURSOR = re.compile(r"[0-9]{1,9}")


async def load(session: AsyncSession, vacancy_id: uuid.UUID) -> Vacancy:
    vacancy = await vacancy_repo.get_vacancy(session, vacancy_id)
    if vacancy is None:
        raise NotFound("vacancy not found")
    return vacancy


async def start_fan_out(client: Client, settings: Settings, vacancy: Vacancy) -> None:
    await client.start_workflow(
        VacancyWorkflow.run,
        fan_out_input("vacancy", vacancy.id, settings),
        id=vacancy.workflow_id,
        task_queue=settings.task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        static_summary=f"vacancy {vacancy.id}",
        static_details=f"opened {vacancy.created_at:%Y-%m-%d}; remote {vacancy.remote}",
    )


async def stored_out(session: AsyncSession, vacancy: Vacancy) -> VacancyOut:
    """The vacancy and its counts from PostgreSQL alone (the workspace's page: no workflow)."""
    counts = await vacancy_repo.match_counts(session, vacancy.id)
    out = VacancyOut.model_validate(vacancy, from_attributes=True)
    out.matched = sum(counts.values())
    out.notified = counts.get(MatchStatus.NOTIFIED, 0) + counts.get(MatchStatus.REPLIED, 0)
    out.replied = counts.get(MatchStatus.REPLIED, 0)
    out.skipped = counts.get(MatchStatus.SKIPPED, 0)
    out.cancelled = counts.get(MatchStatus.CANCELLED, 0)
    out.pending = counts.get(MatchStatus.MATCHED, 0)
    out.skipped_reasons = await vacancy_repo.skip_reasons(session, vacancy.id)
    return out


async def vacancy_out(session: AsyncSession, client: Client, vacancy: Vacancy) -> VacancyOut:
    """The stored counts, and whether its workflow has considered every candidate yet."""
    out = await stored_out(session, vacancy)
    handle: WorkflowHandle[Any, Any] = client.get_workflow_handle(vacancy.workflow_id)
    with contextlib.suppress(RPCError, TimeoutError):
        state = await handle.query(
            VacancyWorkflow.status, FanOutStatusQuery(), rpc_timeout=STATUS_TIMEOUT
        )
        out.fanned_out = state.fanned_out
    return out


async def open_vacancy(
    session: AsyncSession, client: Client, settings: Settings, body: VacancyBody
) -> tuple[VacancyOut, bool]:
    """The vacancy and whether this call opened it; the same external_id is the same one.

    Committed only once its workflow exists: no vacancy without a fan-out."""

    async def find() -> Vacancy | None:
        return await vacancy_repo.get_vacancy_by_external_id(session, body.external_id)

    def create() -> Vacancy:
        vacancy_id = uuid.uuid4()
        vacancy = vacancy_repo.add_vacancy(
            session,
            id=vacancy_id,
            workflow_id=f"vacancy-{vacancy_id}",
            status=VacancyStatus.OPEN,
            **body.model_dump(exclude_unset=False),
            created_at=datetime.now(UTC),
        )
        vacancy.skills = sorted({skill.lower() for skill in body.skills})
        vacancy.hiring_manager = str(body.hiring_manager).lower() if body.hiring_manager else None
        return vacancy

    async def start(vacancy: Vacancy) -> None:
        await start_fan_out(client, settings, vacancy)

    vacancy, created = await create_then_start(session, find=find, create=create, start=start)
    return await vacancy_out(session, client, vacancy), created


async def close(session: AsyncSession, client: Client, vacancy: Vacancy) -> VacancyOut:
    """Close it: vacancy messages not yet sent are cancelled. Closing twice changes nothing."""
    if vacancy.status == VacancyStatus.OPEN:
        vacancy.status = VacancyStatus.CLOSED
        vacancy.closed_at = datetime.now(UTC)
        await session.commit()
    # Told every time, not only the first: a close whose signal was lost (Temporal away) is
    # completed by the client's retry. The workflow ignores a second one.
    handle: WorkflowHandle[Any, Any] = client.get_workflow_handle(vacancy.workflow_id)
    try:
        await handle.signal(VacancyWorkflow.close, CloseVacancy())
    except RPCError as err:
        if err.status != RPCStatusCode.NOT_FOUND:  # not found: it has finished closing
            raise NotYetDone(
                "the vacancy is closed, but its pending messages could not be cancelled yet: "
                "Temporal did not answer; retry the close"
            ) from err
    return await vacancy_out(session, client, vacancy)


async def matches(
    session: AsyncSession, vacancy: Vacancy, *, owner: str | None, limit: int, cursor: str | None
) -> MatchList:
    """Best first, `limit` at a time from the offset `cursor`, narrowed to `owner`'s."""
    if cursor is not None and not CURSOR.fullmatch(cursor):
        raise Invalid("cursor", "not a cursor")
    offset = int(cursor or 0)
    rows = await vacancy_repo.list_matches(
        session, vacancy.id, owner=owner, limit=limit + 1, offset=offset
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


LISTED = 200


async def listing(
    session: AsyncSession, status: VacancyStatus | None
) -> list[tuple[Vacancy, int, int, int]]:
    """The newest vacancies (open, closed or both) with matched, reached and replied counts."""
    return list(await vacancy_repo.list_vacancies(session, status=status, limit=LISTED))
