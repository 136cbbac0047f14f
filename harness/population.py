"""Candidates whose birthday email is due (now, or at the start of a later send window), their
workflows started as enrolment starts them, and the tally of what reached the SMTP server
against what PostgreSQL recorded: lost, delivered twice, and whether each double was flagged.

Starting a workflow goes through the API's own `start_workflow`, so the workflows under test
are the ones enrolment makes.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from api.candidates.workflow import start_workflow
from harness.api_helpers import country_without_holiday, zone_in_send_window
from harness.rows import make_candidate
from harness.smtp import CountingSMTP
from rapport.db.models import Candidate
from rapport.settings import Settings

Sessions = async_sessionmaker[AsyncSession]
START_CONCURRENCY = 10


@dataclass(frozen=True)
class Place:
    """Where a send may go now: a zone mid-morning-to-afternoon, a country with no holiday."""

    zone: str
    local: datetime
    country: str

    @classmethod
    def now(cls) -> Place:
        zone, local = zone_in_send_window(datetime.now(UTC))
        return cls(zone, local, country_without_holiday(local.date()))


async def due_birthdays(
    sessions: Sessions, count: int, place: Place, label: str = "person"
) -> list[Candidate]:
    """`count` candidates whose birthday is today where they live, with email and consent."""
    candidates = []
    for number in range(count):
        candidate, _ = await make_candidate(
            sessions, timezone=place.zone, country=place.country, job_started_on=None,
            birthday_month=place.local.month, birthday_day=place.local.day,
            email=f"{label}-{number}-{uuid.uuid4().hex[:6]}@example.com",
            full_name=f"{label.title()} Number{number}",
        )  # fmt: skip
        candidates.append(candidate)
    return candidates


async def start_all(client: Client, settings: Settings, candidates: Sequence[Candidate]) -> None:
    """Start each candidate's workflow, a few at a time."""
    gate = asyncio.Semaphore(START_CONCURRENCY)

    async def start(candidate: Candidate) -> None:
        async with gate:
            await start_workflow(client, settings, candidate)

    await asyncio.gather(*(start(candidate) for candidate in candidates))


@dataclass(frozen=True)
class Touched:
    candidate_id: uuid.UUID
    status: str | None  # None: no touch recorded at all
    message_id: str | None
    possibly_duplicate: bool
    reason: str | None
    sent_at: datetime | None


async def birthday_touches(sessions: Sessions) -> list[Touched]:
    """Every candidate with its birthday touch (or none), from this database."""
    query = text(
        "select c.id, t.status, t.message_id, coalesce(t.possibly_duplicate, false), t.reason, "
        "t.sent_at "
        "from candidates c left join touches t "
        "on t.candidate_id = c.id and t.occasion = 'birthday'"
    )
    async with sessions() as session:
        rows = (await session.execute(query)).all()
    return [Touched(*row) for row in rows]


async def sent_count(sessions: Sessions) -> int:
    return sum(touch.status == "sent" for touch in await birthday_touches(sessions))


@dataclass(frozen=True)
class Tally:
    """What arrived, against what was recorded, for the candidates expected to get one email."""

    expected: int
    received: int  # messages accepted, doubles included
    lost: list[uuid.UUID]  # no touch recorded sent, or its Message-ID never arrived
    doubled: dict[str, int]  # Message-ID → times received, where more than once
    flagged: int  # touches flagged possibly delivered twice
    unflagged_doubles: list[str]  # delivered twice, not flagged: what must never happen
    strays: list[str]  # received, and no touch of an expected candidate has that Message-ID

    def line(self) -> str:
        return (
            f"{self.expected} due, {self.received} received, lost {len(self.lost)}, "
            f"delivered twice {sum(n - 1 for n in self.doubled.values())} "
            f"(all flagged: {not self.unflagged_doubles}), flagged possibly twice {self.flagged}"
        )


def tally(
    touches: Sequence[Touched], smtp: CountingSMTP, only: set[uuid.UUID] | None = None
) -> Tally:
    """The tally over `only` these candidates (all, by default)."""
    expected = [t for t in touches if only is None or t.candidate_id in only]
    received = smtp.by_message_id()
    ids = {t.message_id: t for t in expected if t.message_id}
    doubled = {mid: times for mid, times in received.items() if times > 1 and mid in ids}
    return Tally(
        expected=len(expected),
        received=sum(received[mid] for mid in ids),
        lost=[
            t.candidate_id
            for t in expected
            if t.status != "sent" or not t.message_id or t.message_id not in received
        ],
        doubled=doubled,
        flagged=sum(t.possibly_duplicate for t in expected),
        unflagged_doubles=[mid for mid in doubled if not ids[mid].possibly_duplicate],
        strays=[mid for mid in received if mid not in ids] if only is None else [],
    )


async def settle(
    sessions: Sessions, smtp: CountingSMTP, expected: int, within: float, quiet: float = 5.0
) -> float:
    """Wait until `expected` birthday touches are recorded sent and the SMTP server has been
    quiet for `quiet` seconds (a resend in flight would arrive in that time), or `within`
    seconds have passed; the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        if await sent_count(sessions) >= expected and smtp.quiet_for(quiet):
            break
        await asyncio.sleep(0.5)
    return time.monotonic() - started
