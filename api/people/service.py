"""Reading and changing the directory; one email is one entry, compared lower-cased."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from api.errors import Conflict, NotFound
from api.people.schemas import PersonBody, PersonOut, PersonUpdate
from rapport.db.models import Person
from rapport.db.repositories import people as people_repo


def person_out(person: Person) -> PersonOut:
    return PersonOut.model_validate(person, from_attributes=True)


def row_values(body: PersonBody | PersonUpdate) -> dict[str, Any]:
    """Columns from a body: only the fields the client sent, the email lower-cased."""
    values = body.model_dump(exclude_unset=True, mode="json")
    if values.get("email"):
        values["email"] = people_repo.key(values["email"])
    if "languages" in values:
        values["languages"] = list(dict.fromkeys(values["languages"] or []))
    return values


async def directory(session: AsyncSession) -> Sequence[PersonOut]:
    return [person_out(person) for person in await people_repo.list_people(session)]


async def find(session: AsyncSession, email: str) -> PersonOut:
    person = await people_repo.get_person(session, email)
    if person is None:
        raise NotFound(f"{email} is not in the directory")
    return person_out(person)


async def create(session: AsyncSession, body: PersonBody) -> tuple[PersonOut, bool]:
    """The entry and whether this call made it: an email already in the directory answers its
    entry as it is (a PATCH changes it), so a repeated POST or import is harmless."""
    values = row_values(body)
    values.setdefault("languages", [])
    person = await people_repo.add_person(session, **values)
    if person is None:
        existing = await people_repo.get_person(session, values["email"])
        assert existing is not None
        return person_out(existing), False
    await session.commit()
    await session.refresh(person)
    return person_out(person), True


async def update(session: AsyncSession, email: str, body: PersonUpdate) -> PersonOut:
    person = await people_repo.get_person(session, email)
    if person is None:
        raise NotFound(f"{email} is not in the directory")
    values = row_values(body)
    moved = values.get("email")
    if moved and moved != person.email and await people_repo.get_person(session, moved):
        raise Conflict(f"{moved} is in the directory already")
    for name, value in values.items():
        setattr(person, name, value)
    await session.commit()
    await session.refresh(person)
    return person_out(person)
