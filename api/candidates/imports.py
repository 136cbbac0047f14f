"""Enrolling many at once: a JSON list, a text/csv body or a CSV upload read into enrolment
bodies (flat columns, lists separated by `;`, empty cells absent), then one enrolment per row,
each in its own transaction, a few rows at a time, reported row by row."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from pydantic import ValidationError
from temporalio.client import Client

from api.candidates import service
from api.candidates.schemas import CandidateCreate, ImportReport, ImportRow
from api.errors import FieldError, field_errors
from api.imports import read_import
from api.unavailable import is_outage
from rapport.settings import Settings

# Rows enrolled at once, over all the imports this API process is serving. Each row waits
# mostly on PostgreSQL and on starting its workflow (the API process was busy 40 % of the time
# with 8 at once, on a quiet machine: 61 rows/s; with 20, 71/s, the bare engine 86/s), so many
# in flight keep both busy. Each holds a pooled connection from its insert to its commit (after
# its workflow start): as many as the pool keeps open (RAPPORT_DB_POOL_SIZE, 20), its 10
# overflow connections left to reads. More rows than that would wait for connections and, past
# the pool timeout, answer 503.
IMPORT_CONCURRENCY = 20

LIST_COLUMNS = ("skills", "interests")
RELATIONSHIP_COLUMNS = {
    "relationship_origin": "origin",
    "relationship_rapport": "rapport",
    "relationship_since": "since",
    "relationship_owner": "owner",
    "relationship_owner_role": "owner_role",
}
TRUE_WORDS = {"1", "true", "yes", "y"}
FALSE_WORDS = {"0", "false", "no", "n"}


def record_from_row(row: dict[str | None, Any]) -> dict[str, Any]:
    """One enrolment body from a CSV row.

    Consent comes as `consent_<channel>` columns (yes/no) or a `consent` column listing the
    channels consented to (`email;linkedin_message`).
    """
    record: dict[str, Any] = {}
    relationship: dict[str, Any] = {}
    consent: dict[str, Any] = {}
    for raw_key, raw_value in row.items():
        if raw_key is None:
            # More cells than headers: keep them so validation names the problem.
            record["_extra_cells"] = raw_value
            continue
        key = raw_key.strip()
        value = raw_value.strip() if isinstance(raw_value, str) else raw_value
        if value in (None, ""):
            continue
        if key in LIST_COLUMNS:
            record[key] = [item.strip() for item in value.split(";") if item.strip()]
        elif key in RELATIONSHIP_COLUMNS:
            relationship[RELATIONSHIP_COLUMNS[key]] = value
        elif key == "consent":
            for channel in value.split(";"):
                if channel.strip():
                    consent[channel.strip()] = True
        elif key.startswith("consent_"):
            consent[key.removeprefix("consent_")] = yes_no(value)
        else:
            record[key] = value
    if relationship:
        record["relationship"] = relationship
    if consent:
        record["consent"] = consent
    return record


def yes_no(value: str) -> bool | str:
    word = value.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return value  # left as text so validation reports it against its column


async def enrol_all(request: Request, temporal: Client, settings: Settings) -> ImportReport:
    """Every row of the import, enrolled or rejected with its reasons."""
    records = await read_import(request, record_from_row)
    state = request.app.state
    if getattr(state, "import_slots", None) is None:
        state.import_slots = asyncio.Semaphore(IMPORT_CONCURRENCY)
    rows = await enrol_rows(
        records,
        lambda number, record: import_row(request, temporal, settings, number, record),
        state.import_slots,
    )
    return ImportReport(
        created=sum(row.status == "created" for row in rows),
        existing=sum(row.status == "existing" for row in rows),
        rejected=sum(row.status == "rejected" for row in rows),
        items=rows,
    )


async def enrol_rows(
    records: list[Any],
    enrol_one: Callable[[int, Any], Awaitable[ImportRow]],
    slots: asyncio.Semaphore,
) -> list[ImportRow]:
    """The rows' reports, in row order, each row enrolled in one of the `slots` (shared by the
    imports under way, IMPORT_CONCURRENCY of them).

    Each row is its own enrolment (transaction, workflow start). Rows naming the same
    external id go one after another, in row order, so the first is `created` and the others
    `existing` as in a sequential import. The first error (an outage: Temporal or PostgreSQL
    not answering) stops new rows from starting; the rows under way finish (never cancelled
    between their workflow start and their commit), then it is raised: a 503, and the rows
    enrolled so far are reported `existing` when the import is sent again.
    """
    reports: list[ImportRow | None] = [None] * len(records)
    groups: dict[object, list[int]] = {}
    for index, record in enumerate(records):
        external_id = record.get("external_id") if isinstance(record, dict) else None
        key = external_id if isinstance(external_id, str) else ("row", index)
        groups.setdefault(key, []).append(index)
    pending = iter(groups.values())
    failures: list[Exception] = []

    async def lane() -> None:
        for indexes in pending:
            for index in indexes:
                if failures:
                    return
                try:
                    async with slots:
                        if failures:
                            return
                        reports[index] = await enrol_one(index + 1, records[index])
                except Exception as err:
                    failures.append(err)
                    return

    await asyncio.gather(*(lane() for _ in range(min(IMPORT_CONCURRENCY, len(groups)))))
    if failures:
        raise failures[0]
    return [report for report in reports if report is not None]


async def import_row(
    request: Request, temporal: Client, settings: Settings, number: int, record: Any
) -> ImportRow:
    """One row, in its own transaction, exactly as idempotent as a single enrolment."""
    external_id = record.get("external_id") if isinstance(record, dict) else None
    if isinstance(record, dict) and "_extra_cells" in record:
        return ImportRow(
            row=number,
            external_id=external_id,
            status="rejected",
            errors=[FieldError(field="row", message="more cells than column headers")],
        )
    try:
        body = CandidateCreate.model_validate(record)
    except ValidationError as err:
        return ImportRow(
            row=number,
            external_id=str(external_id) if external_id is not None else None,
            status="rejected",
            errors=field_errors(err.errors()),
        )
    async with request.app.state.sessions() as session:
        try:
            candidate, created = await service.enrol(session, temporal, settings, body)
        except Exception as err:
            await session.rollback()
            if is_outage(err):
                # Every later row would wait as long: 503 now, and the rows enrolled so far
                # are reported as existing when the client sends the import again.
                raise
            return ImportRow(
                row=number,
                external_id=body.external_id,
                status="rejected",
                errors=[FieldError(field="row", message=f"could not enrol: {err}")],
            )
    return ImportRow(
        row=number,
        external_id=body.external_id,
        status="created" if created else "existing",
        id=candidate.id,
    )
