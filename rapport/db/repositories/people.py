"""The team directory: the company's people who speak to candidates, keyed by lower-cased email."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from rapport.db.models import Person


def key(email: str) -> str:
    """How the directory stores and finds an address: stripped and lower-cased."""
    return email.strip().lower()


async def get_person(session: AsyncSession, email: str) -> Person | None:
    found = await session.execute(_PEOPLE, {"emails": [key(email)]})
    return found.scalar_one_or_none()


async def people_by_email(session: AsyncSession, emails: Iterable[str | None]) -> dict[str, Person]:
    """The directory entries of these addresses, by lower-cased email; the unknown are absent."""
    wanted = sorted({key(email) for email in emails if email})
    if not wanted:
        return {}
    found = await session.execute(_PEOPLE, {"emails": wanted})
    return {person.email: person for person in found.scalars()}


# Built once (every message drafted reads its sender's entry): the addresses are bound.
_PEOPLE = select(Person).where(Person.email.in_(bindparam("emails", expanding=True)))


async def list_people(session: AsyncSession) -> Sequence[Person]:
    return (await session.execute(select(Person).order_by(Person.email))).scalars().all()


async def add_person(session: AsyncSession, **values: Any) -> Person | None:
    """A new entry; None when the address is in the directory already (then nothing changes)."""
    values["email"] = key(values["email"])
    inserted = await session.execute(
        insert(Person)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[Person.email])
        .returning(Person.id)
    )
    if inserted.scalar_one_or_none() is None:
        return None
    person = await get_person(session, values["email"])
    assert person is not None
    return person
