"""What every import reads: a JSON list, a text/csv body or a CSV upload (`file`), as one record
per row; each domain turns a CSV row into its own body and reports row by row."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

from fastapi import HTTPException, Request
from starlette.datastructures import UploadFile

MAX_IMPORT_ROWS = 5000

# The request body an import route documents (it reads the body itself, by content type).
IMPORT_BODY: dict[str, Any] = {
    "requestBody": {
        "content": {
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            "text/csv": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            },
        },
        "required": True,
    }
}

CsvRecord = Callable[[dict[str | None, Any]], dict[str, Any]]


def csv_rows(text: str, record_from_row: CsvRecord) -> list[dict[str, Any]]:
    """One record per data row, read with the header row's names (a BOM is ignored)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    return [record_from_row(row) for row in reader]


async def read_import(request: Request, record_from_row: CsvRecord) -> list[Any]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise HTTPException(422, [{"field": "file", "message": "attach the CSV as 'file'"}])
        records: list[Any] = read_csv(decode(await upload.read(), "file"), "file", record_from_row)
    elif content_type in ("text/csv", "application/csv"):
        records = read_csv(decode(await request.body(), "body"), "body", record_from_row)
    elif content_type in ("application/json", ""):
        text = decode(await request.body(), "body")
        try:
            records = json.loads(text)
        except json.JSONDecodeError as err:
            raise HTTPException(422, [{"field": "body", "message": f"not JSON: {err}"}]) from None
        except RecursionError:
            raise HTTPException(
                422, [{"field": "body", "message": "not JSON we read: nested too deeply"}]
            ) from None
        if not isinstance(records, list):
            raise HTTPException(422, [{"field": "body", "message": "expected a JSON list"}])
    else:
        raise HTTPException(415, f"send application/json, text/csv or a file; got {content_type}")
    if len(records) > MAX_IMPORT_ROWS:
        raise HTTPException(
            413, [{"field": "body", "message": f"at most {MAX_IMPORT_ROWS} rows per import"}]
        )
    return records


def decode(raw: bytes, field: str) -> str:
    # Sizes are bounded for every route in one place: api.middleware.BodyLimitMiddleware.
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise HTTPException(
            422, [{"field": field, "message": f"must be UTF-8: {err.reason} at byte {err.start}"}]
        ) from None


def read_csv(text: str, field: str, record_from_row: CsvRecord) -> list[Any]:
    try:
        return list(csv_rows(text, record_from_row))
    except csv.Error as err:  # a cell over the csv module's field limit, for one
        raise HTTPException(422, [{"field": field, "message": f"not CSV we read: {err}"}]) from None
