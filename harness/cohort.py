"""A seeded, varied population for years of simulated outreach, and what happens to it: who they
are (relationship, origin, zone, country, language, birthday, anniversary, channels, consent,
owner) and what arrives over the years (vacancies matched to a few of them at once, webinar
invitations, meetings in person, replies of every sentiment, opt-outs from email or from
everything), each event at an instant from the start.

The same seed gives the same people and events on any machine; their dates sit relative to the
start, so a run at any hour and date sees every kind of touch. Applying an event goes through
the API's own lifecycle functions (as the HTTP routes do), so PostgreSQL and the workflows move
together; a vacancy is stored with its matches and signalled to each, as its fan-out does.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from api.candidates import lifecycle
from api.candidates.schemas import InvitationBody, MetInPersonBody, OptOutBody, RepliedBody
from api.candidates.workflow import signal
from harness.rows import make_match, make_vacancy
from rapport.contracts.candidate import VacancyOpened
from rapport.db.models import Candidate
from rapport.db.repositories import candidates as candidate_repo
from rapport.vocabulary import InvitationKind, Rapport, RelationshipOrigin, SenderRole
from workflows.candidate import CandidateWorkflow

Sessions = async_sessionmaker[AsyncSession]

ZONES = (
    "Europe/Berlin", "Europe/London", "America/New_York", "America/Los_Angeles",
    "America/St_Johns", "Asia/Kathmandu", "Asia/Tokyo", "Australia/Lord_Howe",
    "Pacific/Auckland", "Pacific/Chatham", "Pacific/Kiritimati", "America/Sao_Paulo",
    "Asia/Kolkata", "Europe/Paris", "Pacific/Honolulu", "Asia/Singapore",
)  # fmt: skip
COUNTRIES = ("DE", "GB", "US", "JP", "NZ", "BR", "FR", "IN")
LANGUAGES = (None, None, "en", "de")
# (address, name, role): a directory entry each, so every sender signs with a name.
OWNERS = (
    ("jane.doe@example.com", "Jane Doe", "employee"),
    ("sam.lee@example.com", "Sam Lee", "employee"),
    ("harriet.ross@example.com", "Harriet Ross", "hr"),
    ("cleo.eames@example.com", "Cleo Eames", "ceo"),
)
ORIGINS = tuple(origin.value for origin in RelationshipOrigin)
SKILLS = ("python", "spark", "kafka", "rust", "sql", "kubernetes", "react", "go")
HIRING_MANAGER = "maria.hm@example.com"


@dataclass
class Member:
    """One simulated candidate: their stored row, and what they were at enrolment."""

    candidate: Candidate
    rapport: str
    origin: str
    met_at: datetime | None = None  # when they were met in person (the first time)
    met_on: date | None = None  # the local day of that meeting
    stopped: list[tuple[str, str, datetime]] = field(default_factory=list)  # (kind, detail, at)


@dataclass(order=True)
class Event:
    at: datetime
    kind: str  # "vacancy", "invitation", "met", "replied", "opted_out"
    members: tuple[int, ...] = ()
    detail: str = ""


def profile(rng: random.Random, number: int, today: date) -> dict[str, object]:
    """A candidate's stored values (for `harness.rows.make_candidate`)."""
    owner, _, role = rng.choice(OWNERS)
    rapport = rng.choice(("cold", "cold", "warm", "warm", "strong"))
    has_email = rng.random() < 0.8
    has_birthday = rng.random() < 0.85
    birthday = today + timedelta(days=rng.randrange(365))
    started = today + timedelta(days=rng.randrange(365))
    return {
        "full_name": f"Simulated Person{number}",
        "email": f"sim-{number}-{uuid.uuid4().hex[:6]}@example.com" if has_email else None,
        "timezone": rng.choice(ZONES),
        "country": rng.choice(COUNTRIES),
        "language": rng.choice(LANGUAGES),
        "birthday_year": 1970 + rng.randrange(35) if rng.random() < 0.5 else None,
        "birthday_month": birthday.month if has_birthday else None,
        "birthday_day": min(birthday.day, 28) if has_birthday else None,
        "job_started_on": (
            date(rng.randint(2010, today.year - 1), started.month, min(started.day, 28))
            if rng.random() < 0.7
            else None
        ),
        "skills": rng.sample(SKILLS, 2),
        "consent": {"email": has_email and rng.random() < 0.9},
        "linkedin_url": (
            f"https://www.linkedin.com/in/sim-{number}" if rng.random() < 0.7 else None
        ),
        "postal_address": "Hauptstr. 1\n10115 Berlin" if rng.random() < 0.4 else None,
        "relationship_origin": rng.choice(ORIGINS),
        "rapport": rapport,
        "owner": owner,
        "owner_role": role,
        "greetings_only": rng.random() < 0.1,
    }


def events(rng: random.Random, size: int, start: datetime, years: int) -> list[Event]:
    """What happens to `size` members over `years` from `start`, in order."""
    span = timedelta(days=365 * years)

    def moment() -> datetime:
        return start + timedelta(minutes=rng.randrange(int(span.total_seconds() // 60)))

    found: list[Event] = []
    # About one vacancy a month, matched to 2% of the population at once (at least one).
    for _ in range(12 * years):
        chosen = rng.sample(range(size), max(1, size // 50))
        found.append(Event(moment(), "vacancy", tuple(sorted(chosen))))
    for number in range(size):
        if rng.random() < 0.15:
            found.append(Event(moment(), "invitation", (number,), str(rng.randint(2, 20))))
        if rng.random() < 0.2:
            found.append(Event(moment(), "met", (number,), rng.choice(("warm", "strong"))))
        ending = rng.random()
        if ending < 0.15:
            sentiment = rng.choice(("interested", "not_now", "not_interested"))
            found.append(Event(moment(), "replied", (number,), sentiment))
        elif ending < 0.25:
            found.append(Event(moment(), "opted_out", (number,), rng.choice(("email", "all"))))
    return sorted(found)


async def _stored(sessions: Sessions, member: Member) -> tuple[AsyncSession, Candidate]:
    session = sessions()
    candidate = await candidate_repo.get_candidate(session, member.candidate.id)
    assert candidate is not None
    return session, candidate


def ended(member: Member) -> bool:
    """Nothing more happens to them: they opted out of everything, or a person took over."""
    return any(
        (kind, detail) in (("opted_out", "all"), ("replied", "interested"))
        for kind, detail, _ in member.stopped
    )


async def apply(
    sessions: Sessions, client: Client, members: list[Member], event: Event, now: datetime
) -> None:
    """Do what `event` says, at `now` on the server's clock, as the API's routes do."""
    if event.kind == "vacancy":
        vacancy = await make_vacancy(
            sessions, title=f"Engineer {uuid.uuid4().hex[:4]}", hiring_manager=HIRING_MANAGER
        )
        opened = VacancyOpened(str(vacancy.id), SenderRole.EMPLOYEE, HIRING_MANAGER)
        for number in event.members:
            if not ended(members[number]):
                await make_match(sessions, vacancy, members[number].candidate)
                await signal(
                    client, members[number].candidate, CandidateWorkflow.vacancy_opened, opened
                )
        return
    member = members[event.members[0]]
    if ended(member):
        return
    session, stored = await _stored(sessions, member)
    async with session:
        if event.kind == "invitation":
            body = InvitationBody.model_construct(
                kind=InvitationKind.WEBINAR, sender_role="marketing", sender=None,
                title="Tracing at scale", url=None, message=None,
                starts_at=now + timedelta(days=int(event.detail)),
            )  # fmt: skip
            await lifecycle.invite(session, client, stored, body)
        elif event.kind == "met":
            met_on = now.astimezone(ZoneInfo(stored.timezone)).date()
            # Constructed, not validated: the server's clock runs years ahead of the real one,
            # which the API's "not in the future" check would refuse.
            meeting = MetInPersonBody.model_construct(
                type="met_in_person", event="Meetup", date=met_on,
                rapport=Rapport(event.detail), met_by=stored.owner,
            )  # fmt: skip
            await lifecycle.met_in_person(session, client, stored, meeting)
            if member.met_at is None:
                member.met_at, member.met_on = now, met_on
        elif event.kind == "replied":
            reply = RepliedBody.model_validate({"type": "replied", "sentiment": event.detail})
            await lifecycle.replied(session, client, stored, reply)
            member.stopped.append(("replied", event.detail, now))
        else:
            channels = None if event.detail == "all" else [event.detail]
            opt_out = OptOutBody.model_validate({"channels": channels})
            await lifecycle.opt_out(session, client, stored, opt_out)
            member.stopped.append(("opted_out", event.detail, now))
