"""Filling the directory at once: a JSON list, a text/csv body or a CSV upload (columns named
as the body's fields, `languages` separated by `;`, empty cells absent), one entry per row,
each in its own transaction, reported row by row."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from pydantic import ValidationError

from api.errors import FieldError, field_errors
from api.imports import read_import
from api.people import service
from api.people.schemas import PersonBody, PersonImportReport, PersonImportRow
from api.unavailable import is_outage


def record_from_row(row: dict[str | None, Any]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for raw_key, raw_value in row.items():
        if raw_key is None:
            record["_extra_cells"] = raw_value  # more cells than headers
            continue
        key = raw_key.strip()
        value = raw_value.strip() if isinstance(raw_value, str) else raw_value
        if value in (None, ""):
            continue
        if key == "languages":
            record[key] = [item.strip() for item in value.split(";") if item.strip()]
        elif key == "signature":
            record[key] = value.replace("\\n", "\n")  # one cell, lines as \n or real breaks
        else:
            record[key] = value
    return record


async def import_all(request: Request) -> PersonImportReport:
    records = await read_import(request, record_from_row)
    rows = [await import_row(request, number, record) for number, record in enumerate(records, 1)]
    return PersonImportReport(
        created=sum(row.status == "created" for row in rows),
        existing=sum(row.status == "existing" for row in rows),
        rejected=sum(row.status == "rejected" for row in rows),
        items=rows,
    )


async def import_row(request: Request, number: int, record: Any) -> PersonImportRow:
    email = record.get("email") if isinstance(record, dict) else None
    shown = str(email) if email is not None else None
    if isinstance(record, dict) and "_extra_cells" in record:
        problem = FieldError(field="row", message="more cells than column headers")
        return PersonImportRow(row=number, email=shown, status="rejected", errors=[problem])
    try:
        body = PersonBody.model_validate(record)
    except ValidationError as err:
        return PersonImportRow(
            row=number, email=shown, status="rejected", errors=field_errors(err.errors())
        )
    async with request.app.state.sessions() as session:
        try:
            person, created = await service.create(session, body)
        except Exception as err:
            await session.rollback()
            if is_outage(err):
                raise
            problem = FieldError(field="row", message=f"could not add: {err}")
            return PersonImportRow(row=number, email=shown, status="rejected", errors=[problem])
    return PersonImportRow(
        row=number,
        email=person.email,
        status="created" if created else "existing",
        id=person.id,
    )
