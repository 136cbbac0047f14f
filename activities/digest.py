"""The owners' daily digest: one email per owner listing their candidates matched that day,
instead of one email per match or per vacancy."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

import aiosmtplib
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from activities.drafting import MessageSettings, first_name
from activities.mail import Mailer, PermanentDeliveryError
from activities.templates import Renderer
from rapport.contracts.digest import OwnerDigestRequest, OwnerDigestResult
from rapport.db.models import Candidate, Person, Vacancy, VacancyMatch
from rapport.db.repositories import digests as digest_repo
from rapport.db.repositories import people as people_repo
from rapport.profiles import writer
from rapport.vocabulary import VacancyStatus

# An owner with a hundred matches on one role reads the best few and follows the link.
MAX_LISTED_PER_VACANCY = 25
# Well inside the activity's heartbeat timeout, even while one SMTP exchange drags on.
HEARTBEAT_EVERY_SECONDS = 10.0

Found = tuple[Candidate, VacancyMatch, Vacancy]


class DigestsNotDelivered(Exception):
    """Some owners' digests met a passing fault; the retry serves only those."""


def recipient(candidate: Candidate, vacancy: Vacancy) -> str:
    """Whoever the candidate's message came from, lower-cased as everywhere owners are
    compared: one person, one digest a day."""
    owner = writer(candidate, vacancy)
    assert owner is not None  # the query leaves out matches nobody wrote to
    return owner.strip().lower()


@contextlib.asynccontextmanager
async def heartbeating() -> AsyncIterator[None]:
    """Heartbeat on a timer, not per owner, so a slow SMTP server is not taken for a lost
    worker (which would start a second attempt while the first is still sending)."""

    async def beat() -> None:
        while True:
            activity.heartbeat()
            await asyncio.sleep(HEARTBEAT_EVERY_SECONDS)

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()


class DigestActivities:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        mailer: Mailer,
        renderer: Renderer,
        settings: MessageSettings,
    ) -> None:
        self._sessions = session_factory
        self._mailer = mailer
        self._renderer = renderer
        self._settings = settings

    @activity.defn(name="send_owner_digests")
    async def send_owner_digests(self, request: OwnerDigestRequest) -> OwnerDigestResult:
        """Every match no digest has listed yet, one email per owner, at most one a day each.

        A retried run skips the owners whose digest is recorded, and the Message-ID is the
        same for the same owner and day, so a resend after a crash is recognisable.
        """
        day = date.fromisoformat(request.day)
        async with self._sessions() as session:
            found = await digest_repo.undigested_matches(session)
        by_owner: dict[str, list[Found]] = {}
        for row in found:
            by_owner.setdefault(recipient(row[0], row[2]), []).append(row)

        result = OwnerDigestResult(day=request.day)
        faults: list[str] = []
        async with heartbeating():
            for owner, rows in by_owner.items():
                try:
                    await self._send_one(owner, day, request.day, rows, result)
                except (aiosmtplib.SMTPException, OSError, TimeoutError) as err:
                    # One mailbox that is full today must not hold up everyone after it.
                    activity.logger.warning("digest to %s not delivered yet: %s", owner, err)
                    faults.append(owner)
        if faults:
            raise DigestsNotDelivered(f"{len(faults)} digests to retry, first {faults[0]}")
        return result

    async def _send_one(
        self, owner: str, day: date, day_text: str, rows: list[Found], result: OwnerDigestResult
    ) -> None:
        key = f"digest:{day_text}:{owner}"
        async with self._sessions() as session:
            if await digest_repo.digest_sent(session, key):
                result.held_back += 1
                return
        people = len({candidate.id for candidate, _, _ in rows})
        named = {owner, *(vacancy.hiring_manager for _, _, vacancy in rows)}
        named |= {candidate.owner for candidate, _, _ in rows}
        async with self._sessions() as session:
            directory = await people_repo.people_by_email(session, named)
        context = self._context(owner, day, people, rows, directory)
        rendered = self._renderer.render("digest", "daily", context)
        assert rendered.subject is not None
        message = self._mailer.compose(
            to=owner, subject=rendered.subject, body=rendered.body, idempotency_key=key
        )
        try:
            await self._mailer.send(message)
        except PermanentDeliveryError as err:
            # Recorded all the same: a refused address would refuse again every day.
            activity.logger.warning("digest to %s refused: %s", owner, err)
            result.refused += 1
        else:
            result.owners += 1
            result.candidates += people
        async with self._sessions.begin() as session:
            await digest_repo.record_digest(
                session,
                idempotency_key=key,
                owner=owner,
                day=day,
                candidates=people,
                match_ids=[match.id for _, match, _ in rows],
                sent_at=datetime.now(UTC),
            )

    def _context(
        self, owner: str, day: date, people: int, rows: list[Found], directory: dict[str, Person]
    ) -> dict[str, Any]:
        vacancies: dict[Any, dict[str, Any]] = {}
        for candidate, match, vacancy in rows:
            entry = vacancies.setdefault(
                vacancy.id,
                {
                    "title": vacancy.title,
                    "url": vacancy.url,
                    "closed": vacancy.status != VacancyStatus.OPEN,
                    "matches_url": f"{self._settings.base_url}/api/vacancies/{vacancy.id}/matches",
                    "candidates": [],
                    "more": 0,
                },
            )
            if len(entry["candidates"]) == MAX_LISTED_PER_VACANCY:
                entry["more"] += 1
                continue
            entry["candidates"].append(
                {
                    "name": candidate.full_name,
                    "title": candidate.current_title,
                    "employer": candidate.current_employer,
                    "score": round(match.score * 100),
                    "reasons": list(match.reasons or []),
                    "status": match.status,
                    "reason": match.reason,
                }
            )
        query = urlencode({"owner": owner, "status": "open"})
        me = directory.get(owner)
        # Owners and hiring managers this digest concerns whom the directory does not name:
        # their messages say "we" and "the hiring manager" until someone adds them.
        named = [owner, *(candidate.owner for candidate, _, _ in rows)]
        named += [vacancy.hiring_manager for _, _, vacancy in rows]
        missing = sorted({people_repo.key(email) for email in named if email} - set(directory))
        return {
            "owner_name": first_name(me) if me else None,
            "missing_from_directory": missing,
            "people_url": f"{self._settings.base_url}/api/people",
            "company": self._settings.company,
            "day": f"{day:%A} {day.day} {day:%B}",
            "people": people,
            "vacancies": list(vacancies.values()),
            "tasks_url": f"{self._settings.base_url}/api/tasks?{query}",
        }
