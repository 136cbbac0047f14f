"""Candidates: enrol, import, list, read, update, plan, touch history."""

from __future__ import annotations

import csv
import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from api import enrolment, lifecycle
from api.auth import ADMIN_ONLY, OWNER_WRITE, READ, WRITE, Principal, PrincipalDep
from api.csv_rows import csv_records
from api.deps import SessionDep, SettingsDep, TemporalDep, id_or_404
from api.schemas import (
    CandidateCreate,
    CandidateDetail,
    CandidateOut,
    CandidatePage,
    CandidateUpdate,
    FieldError,
    ImportReport,
    ImportRow,
    InteractionBody,
    InteractionOut,
    InvitationBody,
    InvitationOut,
    MetInPersonBody,
    OptOutBody,
    PlanOut,
    SingleLine,
    StageBody,
    TouchList,
    TouchOut,
    field_errors,
)
from api.unavailable import is_outage
from rapport.db import repository
from rapport.db.models import Candidate
from rapport.vocabulary import Stage

router = APIRouter(prefix="/api/candidates", tags=["candidates"])

MAX_IMPORT_ROWS = 5000


async def load_candidate(
    session: SessionDep, candidate_id: str, principal: Principal | None = None
) -> Candidate:
    candidate = await repository.get_candidate(session, id_or_404(candidate_id, "candidate"))
    if candidate is None or candidate.stage == Stage.ERASED:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "candidate not found")
    if principal is not None and not principal.holds(candidate.owner):
        # Not 403: an owner learns nothing about candidates that are not theirs.
        raise HTTPException(status.HTTP_404_NOT_FOUND, "candidate not found")
    return candidate


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": CandidateOut, "description": "Already enrolled: the existing one."}},
    dependencies=[WRITE],
)
async def enrol_candidate(
    body: CandidateCreate,
    response: Response,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
) -> CandidateOut:
    """Enrol one candidate and start their workflow; the same external_id returns the existing."""
    candidate, created = await enrolment.enrol(session, temporal, settings, body)
    if not created:
        response.status_code = status.HTTP_200_OK
    return enrolment.candidate_out(candidate)


@router.post(
    "/import",
    dependencies=[WRITE],
    openapi_extra={
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
    },
)
async def import_candidates(
    request: Request, temporal: TemporalDep, settings: SettingsDep
) -> ImportReport:
    """Enrol many: a JSON list, a text/csv body, or a CSV file upload; a report per row."""
    records = await read_import(request)
    rows: list[ImportRow] = []
    for number, record in enumerate(records, start=1):
        rows.append(await import_row(request, temporal, settings, number, record))
    return ImportReport(
        created=sum(row.status == "created" for row in rows),
        existing=sum(row.status == "existing" for row in rows),
        rejected=sum(row.status == "rejected" for row in rows),
        items=rows,
    )


async def read_import(request: Request) -> list[Any]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise HTTPException(422, [{"field": "file", "message": "attach the CSV as 'file'"}])
        records: list[Any] = read_csv(decode(await upload.read(), "file"), "file")
    elif content_type in ("text/csv", "application/csv"):
        records = read_csv(decode(await request.body(), "body"), "body")
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


def read_csv(text: str, field: str) -> list[Any]:
    try:
        return list(csv_records(text))
    except csv.Error as err:  # a cell over the csv module's field limit, for one
        raise HTTPException(422, [{"field": field, "message": f"not CSV we read: {err}"}]) from None


async def import_row(
    request: Request, temporal: TemporalDep, settings: SettingsDep, number: int, record: Any
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
            candidate, created = await enrolment.enrol(session, temporal, settings, body)
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


@router.get("", dependencies=[READ])
async def list_candidates(
    session: SessionDep,
    principal: PrincipalDep,
    stage: Stage | None = None,
    owner: Annotated[SingleLine | None, Query(max_length=320)] = None,
    text: Annotated[SingleLine | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> CandidatePage:
    """List candidates, oldest first, filtered by stage, owner and text; `next_cursor` pages."""
    after = None
    if cursor:
        try:
            after = uuid.UUID(cursor)
        except ValueError:
            raise HTTPException(422, [{"field": "cursor", "message": "not a cursor"}]) from None
    owner = principal.owner_filter(owner)
    page = await repository.list_candidates(
        session,
        repository.CandidateFilter(stage=stage.value if stage else None, owner=owner, text=text),
        limit=limit,
        after=after,
    )
    return CandidatePage(
        items=[enrolment.candidate_out(candidate) for candidate in page.items],
        next_cursor=page.next_cursor,
    )


@router.get("/{candidate_id}", dependencies=[READ])
async def get_candidate(
    candidate_id: str,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
    principal: PrincipalDep,
) -> CandidateDetail:
    """The stored profile plus the workflow's live stage and next touch."""
    candidate = await load_candidate(session, candidate_id, principal)
    return await enrolment.detail(temporal, settings, candidate)


@router.patch("/{candidate_id}", dependencies=[WRITE])
async def update_candidate(
    candidate_id: str,
    body: CandidateUpdate,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
) -> CandidateDetail:
    """Update the profile; the workflow re-plans with the new facts."""
    candidate = await load_candidate(session, candidate_id)
    candidate = await enrolment.update_profile(session, temporal, candidate, body)
    return await enrolment.detail(temporal, settings, candidate)


@router.get("/{candidate_id}/plan", dependencies=[READ])
async def get_plan(
    candidate_id: str,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    days: Annotated[int, Query(ge=1, le=3660)] = 365,
) -> PlanOut:
    """The touches the workflow would make in the next `days` under today's data."""
    candidate = await load_candidate(session, candidate_id, principal)
    return PlanOut(items=await enrolment.plan(temporal, settings, candidate, days))


@router.get("/{candidate_id}/touches", dependencies=[READ])
async def get_touches(candidate_id: str, session: SessionDep, principal: PrincipalDep) -> TouchList:
    """Outreach history, newest first."""
    candidate = await load_candidate(session, candidate_id, principal)
    touches = await repository.list_touches(session, candidate.id)
    return TouchList(
        items=[TouchOut.model_validate(touch, from_attributes=True) for touch in touches]
    )


@router.post(
    "/{candidate_id}/interactions", status_code=status.HTTP_201_CREATED, dependencies=[OWNER_WRITE]
)
async def add_interaction(
    candidate_id: str,
    body: InteractionBody,
    session: SessionDep,
    temporal: TemporalDep,
    principal: PrincipalDep,
) -> InteractionOut:
    """Tell the workflow what happened: met in person (a thank-you follows) or replied."""
    candidate = await load_candidate(session, candidate_id, principal)
    if isinstance(body, MetInPersonBody):
        return await lifecycle.met_in_person(session, temporal, candidate, body)
    return await lifecycle.replied(session, temporal, candidate, body)


@router.post(
    "/{candidate_id}/invitations", status_code=status.HTTP_201_CREATED, dependencies=[WRITE]
)
async def invite(
    candidate_id: str, body: InvitationBody, session: SessionDep, temporal: TemporalDep
) -> InvitationOut:
    """Invite one candidate: marketing's webinar or event, or the CEO's invitation to connect."""
    candidate = await load_candidate(session, candidate_id)
    invitation = await lifecycle.invite(session, temporal, candidate, body)
    return InvitationOut.model_validate(invitation, from_attributes=True)


@router.post("/{candidate_id}/opt-out", dependencies=[WRITE])
async def opt_out(
    candidate_id: str,
    body: OptOutBody,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
) -> CandidateDetail:
    """Stop some channels (`{"channels": [...]}`) or everything (`{}`), at once."""
    candidate = await load_candidate(session, candidate_id)
    candidate = await lifecycle.opt_out(session, temporal, candidate, body)
    return await enrolment.detail(temporal, settings, candidate)


@router.post("/{candidate_id}/stage", dependencies=[WRITE])
async def change_stage(
    candidate_id: str,
    body: StageBody,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
) -> CandidateDetail:
    """Pause, resume (`nurturing`), mark hired, or archive; hired and archived end outreach."""
    candidate = await load_candidate(session, candidate_id)
    if candidate.stage in enrolment.CLOSED_STAGES:
        raise HTTPException(409, f"candidate is {candidate.stage}; outreach has ended")
    candidate = await lifecycle.change_stage(session, temporal, candidate, body)
    return await enrolment.detail(temporal, settings, candidate)


@router.delete("/{candidate_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=[ADMIN_ONLY])
async def erase(candidate_id: str, session: SessionDep, temporal: TemporalDep) -> None:
    """Erase: personal data deleted, workflow ended, an anonymous audit row kept."""
    candidate = await load_candidate(session, candidate_id)
    await lifecycle.erase(session, temporal, candidate)
