"""The team directory: list, read, add, change, import. HR and admins manage it; every role
may read it."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from api.auth import READ, WRITE
from api.deps import SessionDep
from api.imports import IMPORT_BODY
from api.people import imports, service
from api.people.schemas import PersonBody, PersonImportReport, PersonList, PersonOut, PersonUpdate

router = APIRouter(prefix="/api/people", tags=["people"])


@router.get("", dependencies=[READ])
async def list_people(session: SessionDep) -> PersonList:
    """Everyone in the directory, by email."""
    return PersonList(items=list(await service.directory(session)))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": PersonOut, "description": "That email is in the directory."}},
    dependencies=[WRITE],
)
async def add_person(body: PersonBody, response: Response, session: SessionDep) -> PersonOut:
    """Add someone; an email already in the directory answers 200 with its entry, unchanged
    (change it with PATCH)."""
    person, created = await service.create(session, body)
    if not created:
        response.status_code = status.HTTP_200_OK
    return person


@router.post("/import", dependencies=[WRITE], openapi_extra=IMPORT_BODY)
async def import_people(request: Request) -> PersonImportReport:
    """Add many: a JSON list, a text/csv body, or a CSV file upload; a report per row."""
    return await imports.import_all(request)


@router.get("/{email}", dependencies=[READ])
async def get_person(email: str, session: SessionDep) -> PersonOut:
    """One entry, by email (in any case)."""
    return await service.find(session, email)


@router.patch("/{email}", dependencies=[WRITE])
async def update_person(email: str, body: PersonUpdate, session: SessionDep) -> PersonOut:
    """Change an entry; a field sent as null clears it (not the email, name or languages)."""
    return await service.update(session, email, body)
