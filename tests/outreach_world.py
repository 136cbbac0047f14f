"""Seeded random candidates and years of their outreach, planned as the workflow plans.

`world(seed)` makes a candidate (relationship, zone, birthday, anniversary, channels, policy
knobs) and the signals that arrive over the years (vacancies, alone or a few together,
invitations with deadlines, meetings in person), some of them on purpose around the
candidate's greetings. `simulate` runs the planner the way CandidateWorkflow does: plan, sleep
until the first touch unless a signal comes first, carry the planned touch out, record it.
Everything a person does is assumed done at once (an assisted draft is sent when it is due).

Pure and deterministic: a seed gives the same world on any machine and at any hour. Public
holidays are synthetic and pinned in the state, so no holiday library is read.

Run `python -m tests.outreach_world` to print the fingerprints that
tests/golden/old_policy_plans.json holds (plans made under the policy's defaults).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from rapport.outreach import planning
from rapport.outreach.state import (
    CandidateFacts,
    CandidateState,
    OneOff,
    PlannedTouch,
    SchedulePolicy,
    SentRecord,
)
from rapport.outreach.timing import holiday_key, zone
from rapport.vocabulary import Channel, Occasion, Rapport, RelationshipOrigin, SenderRole

START = datetime(2026, 11, 27, 5, 0, tzinfo=UTC)
YEARS = 3
RECENT_KEPT = 20  # as workflows/delivery.py keeps them
ZONES = (
    "Europe/Berlin", "Europe/London", "America/New_York", "America/Los_Angeles",
    "America/St_Johns", "Asia/Kathmandu", "Asia/Tokyo", "Australia/Lord_Howe",
    "Pacific/Auckland", "Pacific/Chatham", "Pacific/Kiritimati", "Pacific/Pago_Pago",
    "Pacific/Apia", "Pacific/Tongatapu", "Pacific/Niue", "America/Sao_Paulo",
)  # fmt: skip
COUNTRIES = ("DE", "GB", "US", "JP", "NZ", "BR", "WS", "KI")
OWNERS = ("jane.doe@example.com", "sam.lee@example.com", None)


@dataclass
class Signal:
    """What arrives at the workflow at `at`."""

    at: datetime
    kind: str  # "vacancy", "vacancy_closed", "invitation", "met"
    ref: str
    deadline: datetime | None = None
    sender: str | None = None


@dataclass
class World:
    state: CandidateState
    signals: list[Signal]


@dataclass
class Carried:
    """A touch as the simulated workflow carried it out."""

    touch: PlannedTouch
    at: datetime
    sent: bool
    budget: timedelta = field(default=timedelta(0))


def _holidays(rng: random.Random, country: str) -> dict[str, list[str]]:
    table = {}
    for year in range(START.year, START.year + YEARS + 3):
        days = {date(year, 1, 1) + timedelta(days=rng.randrange(365)) for _ in range(6)}
        table[holiday_key(country, year)] = sorted(day.isoformat() for day in days)
    return table


def _milestone_near(rng: random.Random, facts: CandidateFacts, tz_name: str) -> datetime | None:
    """An instant within a few days of one of the candidate's greetings, or None."""
    dates = [d for d in (facts.birthday, facts.job_started_on) if d]
    if not dates:
        return None
    month, day = (int(part) for part in rng.choice(dates).split("-")[-2:])
    year = START.year + rng.randrange(YEARS + 1)
    day = 28 if (month, day) == (2, 29) else day
    local = datetime(year, month, day, tzinfo=zone(tz_name)) + timedelta(
        days=rng.randint(-4, 4), minutes=rng.randrange(24 * 60)
    )
    return local.astimezone(UTC)


def _signals(rng: random.Random, facts: CandidateFacts) -> list[Signal]:
    end = START + timedelta(days=365 * YEARS)
    signals = []
    for number in range(rng.randint(2, 14)):
        near = _milestone_near(rng, facts, facts.timezone) if rng.random() < 0.5 else None
        at = near or START + timedelta(minutes=rng.randrange(365 * YEARS * 24 * 60))
        if not START <= at < end:
            continue
        kind = rng.choice(("vacancy", "vacancy", "invitation", "met"))
        sender = rng.choice(OWNERS)
        ref = f"{kind}-{number}"
        deadline = None
        if kind == "invitation" or (kind == "vacancy" and rng.random() < 0.3):
            deadline = at + timedelta(hours=rng.randint(2, 24 * 20))
        signals.append(Signal(at, kind, ref, deadline, sender))
        if kind == "vacancy" and rng.random() < 0.3:  # another one matched minutes later
            signals.append(Signal(at + timedelta(minutes=3), kind, f"{ref}b", None, sender))
        if kind == "vacancy" and rng.random() < 0.2:  # closes before anyone was told
            later = at + timedelta(hours=rng.randint(1, 24 * 10))
            signals.append(Signal(later, "vacancy_closed", ref))
    return sorted(signals, key=lambda signal: signal.at)


def world(seed: int, policy: SchedulePolicy | None = None) -> World:
    """A candidate and the signals of their next years; `policy` None: a random variant of
    the defaults (only the knobs that exist on every version of the policy)."""
    rng = random.Random(seed)
    tz_name = rng.choice(ZONES)
    country = rng.choice(COUNTRIES)
    started = date(rng.randint(2010, 2026), rng.randint(1, 12), rng.randint(1, 28))
    facts = CandidateFacts(
        candidate_id=f"c-{seed}",
        timezone=tz_name,
        country=country,
        owner_role=rng.choice(list(SenderRole)),
        owner=rng.choice(OWNERS),
        relationship_origin=rng.choice(list(RelationshipOrigin)),
        rapport=rng.choice(list(Rapport)),
        birthday=(
            rng.choice(
                ("02-29", "12-31", "01-01", f"{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}")
            )
            if rng.random() < 0.85
            else None
        ),
        job_started_on=started.isoformat() if rng.random() < 0.7 else None,
        enrolled_on=(START.date() - timedelta(days=rng.randrange(400))).isoformat(),
        has_email=rng.random() < 0.8,
        has_linkedin=rng.random() < 0.7,
        has_postal_address=rng.random() < 0.4,
        consent={Channel.EMAIL: rng.random() < 0.85},
        greetings_only=rng.random() < 0.1,
    )
    if policy is None:
        policy = SchedulePolicy(
            window_start=rng.choice(("08:00", "09:00", "10:30")),
            window_end=rng.choice(("16:00", "17:00", "19:00")),
            send_days=rng.choice(([0, 1, 2, 3, 4], [0, 1, 2, 3, 4, 5, 6], [1, 2, 3])),
            min_days_between_touches=rng.choice((0, 1, 7, 30)),
        )
    state = CandidateState(facts=facts, policy=policy, holidays=_holidays(rng, country))
    if rng.random() < 0.5:  # something went out shortly before the simulation starts
        occasion = rng.choice(list(Occasion))
        state.recent = [
            SentRecord(occasion, Channel.EMAIL, START - timedelta(hours=rng.randint(1, 24 * 6)))
        ]
    return World(state, _signals(rng, facts))


def with_policy(world: World, **changes: object) -> World:
    policy = dataclasses.replace(world.state.policy, **changes)  # type: ignore[arg-type]
    return World(dataclasses.replace(world.state, policy=policy), world.signals)


def _receive(state: CandidateState, signal: Signal) -> None:
    """As CandidateWorkflow's signal handlers change the state."""
    facts = state.facts
    if signal.kind == "vacancy":
        state.pending.append(
            OneOff(
                Occasion.VACANCY, signal.ref, SenderRole.EMPLOYEE, signal.sender or facts.owner,
                signal.at + timedelta(seconds=state.policy.vacancy_batch_seconds), signal.deadline,
            )
        )  # fmt: skip
    elif signal.kind == "vacancy_closed":
        state.pending = [pending for pending in state.pending if pending.ref_id != signal.ref]
    elif signal.kind == "invitation":
        state.pending.append(
            OneOff(
                Occasion.INVITATION, signal.ref, SenderRole.MARKETING, signal.sender or facts.owner,
                signal.at, signal.deadline,
            )
        )  # fmt: skip
    else:
        met_on = signal.at.astimezone(zone(facts.timezone)).date()
        facts.rapport = Rapport.STRONG
        if facts.relationship_origin not in (
            RelationshipOrigin.IN_PERSON_EVENT,
            RelationshipOrigin.FORMER_COLLEAGUE,
        ):
            facts.relationship_origin = RelationshipOrigin.IN_PERSON_EVENT
        state.pending.append(
            planning.event_follow_up(
                met_on, facts.timezone, signal.ref, signal.sender or facts.owner, facts.owner_role
            )
        )


def _after(state: CandidateState, touch: PlannedTouch, now: datetime, sent: bool) -> None:
    """As workflows/delivery.after records what became of a touch."""
    if touch.occasion in planning.GREETINGS:
        state.done_through[touch.occasion] = touch.local_date
    elif touch.occasion == Occasion.CHECK_IN:
        state.last_check_in_at = now
    answered = set((touch.ref_id or "").split(","))
    state.pending = [pending for pending in state.pending if pending.ref_id not in answered]
    if sent and touch.channel is not None:
        record = SentRecord(touch.occasion, touch.channel, now)
        state.recent = [*state.recent, record][-RECENT_KEPT:]
        state.unanswered = {
            **state.unanswered,
            touch.channel: state.unanswered.get(touch.channel, 0) + 1,
        }


def simulate(world: World, years: int = YEARS) -> list[Carried]:
    """Every touch the workflow carries out from START for `years`, in order."""
    state = dataclasses.replace(
        world.state,
        facts=dataclasses.replace(world.state.facts),
        pending=[],
        recent=list(world.state.recent),
    )
    signals = list(world.signals)
    end = START + timedelta(days=365 * years)
    now = START
    carried: list[Carried] = []
    while now < end:
        touch = planning.next_touch(state, now)
        if signals and (touch is None or signals[0].at < touch.due_at):
            signal = signals.pop(0)
            now = max(now, signal.at)
            if now >= end:
                break
            _receive(state, signal)
            continue
        if touch is None or touch.due_at >= end:
            break
        now = touch.due_at
        sent = not touch.skip and touch.channel is not None
        budget = timedelta(
            days=state.policy.min_days_between_touches
            * planning.BUDGET_FACTOR.get(state.facts.rapport, 2)
        )
        carried.append(Carried(touch, now, sent, budget))
        _after(state, touch, now, sent)
    return carried


BUSINESS = (Occasion.VACANCY, Occasion.INVITATION, Occasion.CHECK_IN)


def spacing_violations(carried: list[Carried], tz_name: str, quiet_days: int) -> list[str]:
    """Two messages on one local day, or a greeting and a business touch fewer than
    `quiet_days` local days apart (either way round)."""
    tz = zone(tz_name)
    sent = [
        (entry.at.astimezone(tz).date(), entry.touch.occasion) for entry in carried if entry.sent
    ]
    found = []
    for index, (day, occasion) in enumerate(sent):
        for other_day, other in sent[:index]:
            if other_day == day:
                found.append(f"{other} and {occasion} both on {day}")
            kinds = {occasion in planning.GREETINGS, other in planning.GREETINGS}
            business = occasion in BUSINESS or other in BUSINESS
            near = abs((day - other_day).days) < quiet_days
            if kinds == {True, False} and business and near:
                found.append(f"{other} on {other_day} and {occasion} on {day}: too close")
    return found


def fingerprint(touches: list[PlannedTouch]) -> str:
    rows = [
        [
            t.occasion, t.channel, t.sender_role, t.due_at.isoformat(), t.local_date,
            t.idempotency_key, t.reason, t.sender, t.ref_id,
            t.deadline.isoformat() if t.deadline else None, t.assisted, t.skip,
        ]
        for t in touches
    ]  # fmt: skip
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()


def fingerprints(seeds: range) -> dict[str, dict[str, str]]:
    """Per seed: the plan made at START over the years, and the touches carried out."""
    found = {}
    for seed in seeds:
        made = world(seed)
        plan = planning.plan(made.state, START, timedelta(days=365 * YEARS))
        found[str(seed)] = {
            "plan": fingerprint(plan),
            "carried": fingerprint([entry.touch for entry in simulate(made)]),
        }
    return found


GOLDEN_SEEDS = range(60)

if __name__ == "__main__":
    print(json.dumps(fingerprints(GOLDEN_SEEDS), indent=1, sort_keys=True))
