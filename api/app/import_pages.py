"""Importing candidates from a CSV (HR): the same file `POST /api/candidates/import` takes,
read by the same code, enrolled row by row in the background (api/app/import_jobs.py) while
the job's page polls (htmx, every second) for its progress and the per-row report: created,
already enrolled (a duplicate external id), or rejected with each field's message."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.responses import RedirectResponse
from starlette.datastructures import UploadFile

from api.app import import_jobs
from api.app.access import PostedByWriter, Writer
from api.app.render import detail_text, error_page, page
from api.app.session import PATH
from api.candidates.imports import record_from_row
from api.deps import SettingsDep, TemporalDep
from api.imports import MAX_IMPORT_ROWS, read_import

router = APIRouter(prefix="/import")
COLUMNS = (
    "external_id, full_name, email, linkedin_url, postal_address, timezone, country, birthday, "
    "current_employer, current_title, job_started_on, location, skills, interests, "
    "consent_email (or consent), relationship_origin, relationship_rapport, relationship_since, "
    "relationship_owner, relationship_owner_role"
)


def import_form(request: Request, *, error: str | None = None, status_code: int = 200) -> Response:
    context: dict[str, Any] = {
        "title": "Import candidates",
        "columns": COLUMNS,
        "max_rows": MAX_IMPORT_ROWS,
        "error": error,
    }
    return page(request, "import.html", context, status_code=status_code)


@router.get("")
async def import_page(request: Request, principal: Writer) -> Response:
    return import_form(request)


@router.post("")
async def start_import(
    request: Request, principal: PostedByWriter, temporal: TemporalDep, settings: SettingsDep
) -> Response:
    """Read the upload, start its job, and go to the job's page."""
    try:
        records = await read_import(request, record_from_row)
    except HTTPException as refused:
        return import_form(
            request, error=detail_text(refused.detail), status_code=refused.status_code
        )
    if not records:
        return import_form(
            request,
            error="file: no rows to import (a header row, then one row per candidate)",
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
    upload = (await request.form()).get("file")
    name = upload.filename if isinstance(upload, UploadFile) and upload.filename else "upload"
    job = import_jobs.start(
        request, temporal, settings, records, key_id=principal.key_id, file_name=name[:200]
    )
    return RedirectResponse(f"{PATH}/import/{job.id}", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/{job_id}")
async def import_progress(request: Request, job_id: str, principal: Writer) -> Response:
    """The job's progress and its report so far; the page polls while it runs."""
    job = import_jobs.find(request, job_id, principal.key_id)
    if job is None:
        return error_page(
            request,
            404,
            "No such import here: it was started by someone else, or the API restarted. "
            "Every row it enrolled is kept; import the file again to see the report.",
        )
    context = {"title": f"Import of {job.file_name}", "job": job}
    return page(request, "import_job.html", context)
