"""CSV imports started from the workspace run as background tasks inside the API process, so
the page can show progress: each job, keyed by a random id, counts its rows as the API's own
import (api/candidates/imports.py: the same row reading, the same per-row enrolment, the same
shared slots) reports them.

Jobs are kept in memory, the last JOBS_KEPT of them: a job is a view of work whose results are
in PostgreSQL (each row is its own idempotent enrolment), so a restart loses only the report;
importing the same file again reports the rows enrolled before as `existing`. A job is read
only by the key that started it."""

from __future__ import annotations

import asyncio
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Literal

from fastapi import Request
from temporalio.client import Client

from api.candidates import imports
from api.candidates.schemas import ImportRow
from rapport.settings import Settings

JOBS_KEPT = 20


@dataclass
class ImportJob:
    id: str
    key_id: str
    file_name: str
    total: int
    rows: list[ImportRow] = field(default_factory=list)
    state: Literal["running", "done", "failed"] = "running"
    failure: str | None = None

    @property
    def done(self) -> int:
        return len(self.rows)

    def count(self, status: str) -> int:
        return sum(row.status == status for row in self.rows)

    def report(self) -> list[ImportRow]:
        return sorted(self.rows, key=lambda row: row.row)


def jobs(request: Request) -> OrderedDict[str, ImportJob]:
    state = request.app.state
    if getattr(state, "workspace_imports", None) is None:
        state.workspace_imports = OrderedDict()
        state.workspace_import_tasks = set()
    kept: OrderedDict[str, ImportJob] = state.workspace_imports
    return kept


def find(request: Request, job_id: str, key_id: str) -> ImportJob | None:
    job = jobs(request).get(job_id)
    return job if job is not None and job.key_id == key_id else None


def start(
    request: Request,
    temporal: Client,
    settings: Settings,
    records: list[Any],
    *,
    key_id: str,
    file_name: str,
) -> ImportJob:
    """A job for these rows, under way in the background by the time this returns."""
    kept = jobs(request)
    job = ImportJob(id=uuid.uuid4().hex, key_id=key_id, file_name=file_name, total=len(records))
    kept[job.id] = job
    while len(kept) > JOBS_KEPT:
        kept.popitem(last=False)
    task = asyncio.create_task(run(job, request, temporal, settings, records))
    # Held until it ends: the event loop keeps only a weak reference to a task.
    tasks: set[asyncio.Task[None]] = request.app.state.workspace_import_tasks
    tasks.add(task)
    task.add_done_callback(tasks.discard)
    return job


async def run(
    job: ImportJob, request: Request, temporal: Client, settings: Settings, records: list[Any]
) -> None:
    state = request.app.state
    if getattr(state, "import_slots", None) is None:
        state.import_slots = asyncio.Semaphore(imports.IMPORT_CONCURRENCY)

    async def enrol_one(number: int, record: Any) -> ImportRow:
        # import_row reads only the app's state (its session factory) from the request, which
        # outlives the response that started the job.
        row = await imports.import_row(request, temporal, settings, number, record)
        job.rows.append(row)
        return row

    try:
        await imports.enrol_rows(records, enrol_one, state.import_slots)
    except Exception as err:  # an outage: Temporal or PostgreSQL did not answer
        job.failure = (
            f"The import stopped after {job.done} of {job.total} rows: {err}. Import the same "
            "file again later: the rows enrolled so far are reported as existing."
        )
        job.state = "failed"
        return
    job.state = "done"
