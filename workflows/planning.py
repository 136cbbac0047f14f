"""Pure calendar, time-zone and budget planning, shared by the candidate workflow and the API.

Workflows import this module through `imports_passed_through()`, so the `ZoneInfo` objects made
here are real ones, not sandbox proxies. Nothing here reads the clock: `now` is always passed in,
so what the API shows as a plan is what the workflow will do.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from temporalio import workflow

from rapport.vocabulary import Occasion, Rapport, Stage
from workflows.models import CandidateState, OneOff, PlannedTouch, SchedulePolicy
from workflows.policy import PRIORITY, choose_channel

GREETINGS = (Occasion.BIRTHDAY.value, Occasion.WORK_ANNIVERSARY.value)
# Warmer relationships hear from us more often; a cold one rarely.
CHECK_IN_EVERY = {
    Rapport.STRONG.value: timedelta(days=60),
    Rapport.WARM.value: timedelta(days=90),
    Rapport.COLD.value: timedelta(days=180),
}
# A cold relationship also gets a wider contact budget.
BUDGET_FACTOR = {Rapport.STRONG.value: 1, Rapport.WARM.value: 1, Rapport.COLD.value: 2}
DEFAULT_HORIZON = timedelta(days=2 * 366)
MAX_SLOT_SEARCH_DAYS = 60


@dataclass(frozen=True)
class Window:
    start: time
    end: time

    @classmethod
    def of(cls, policy: SchedulePolicy) -> Window:
        return cls(time.fromisoformat(policy.window_start), time.fromisoformat(policy.window_end))


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_date(instant: datetime, tz_name: str) -> date:
    """The calendar day an instant falls on in a time zone (a digest's "today")."""
    return instant.astimezone(zone(tz_name)).date()


def parse_month_day(value: str) -> tuple[int, int]:
    """`"MM-DD"` or `"YYYY-MM-DD"` → (month, day); 02-29 is valid (a leap-day birthday)."""
    parts = value.split("-")
    if len(parts) == 3:
        parts = parts[1:]
    if len(parts) != 2:
        raise ValueError(f"expected MM-DD or YYYY-MM-DD, got {value!r}")
    month, day = int(parts[0]), int(parts[1])
    date(2000, month, day)  # 2000 is a leap year: validates 02-29 and rejects 02-30
    return month, day


def anniversary_in(year: int, month: int, day: int) -> date:
    """The day a yearly milestone falls on in `year`: 29 February becomes 28 February."""
    if month == 2 and day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return date(year, month, day)


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of a local wall-clock time; a time inside a DST gap moves past the gap."""
    # Inside a gap, fold=0 reads the wall time with the offset from before the jump, which
    # lands just as far past the jump: 02:30 becomes 03:30 on a spring-forward day. In an
    # autumn overlap it picks the first of the two instants.
    return datetime.combine(day, at).replace(tzinfo=tz).astimezone(UTC)


@lru_cache(maxsize=512)
def public_holidays(country: str, year: int) -> frozenset[date]:
    """The country's public holidays; a country the library does not know has none.

    `holidays` loads each country lazily and reads the locale for holiday names. Both are
    harmless here (only the dates are used), but the workflow sandbox forbids them, so the
    lookup runs unrestricted, with its imports taken from outside the sandbox.
    """
    with workflow.unsafe.imports_passed_through(), workflow.unsafe.sandbox_unrestricted():
        try:
            return frozenset(holidays.country_holidays(country, years=year).keys())
        except NotImplementedError:
            return frozenset()


def is_working_day(day: date, country: str, send_days: list[int]) -> bool:
    return day.weekday() in send_days and day not in public_holidays(country, day.year)


def next_slot(
    after: datetime, tz: ZoneInfo, window: Window, policy: SchedulePolicy, country: str
) -> datetime:
    """The first instant from `after` inside the local window of a working day, not a holiday."""
    first = after.astimezone(tz).date()
    for offset in range(MAX_SLOT_SEARCH_DAYS):
        day = first + timedelta(days=offset)
        if not is_working_day(day, country, policy.send_days):
            continue
        start, end = local_instant(day, window.start, tz), local_instant(day, window.end, tz)
        if after < end:
            return max(after, start)
    # A policy with no working day at all (every day a holiday?): fall back to the window.
    return local_instant(first + timedelta(days=MAX_SLOT_SEARCH_DAYS), window.start, tz)


def greeting_due(now: datetime, tz: ZoneInfo, day: date, window: Window) -> datetime | None:
    """When a greeting for `day` goes out: at the window's start, or now if the window is open.

    None when that day's window has already closed. Greetings go on the day itself, weekend
    or holiday.
    """
    start = local_instant(day, window.start, tz)
    end = local_instant(day, window.end, tz)
    if now >= end:
        return None
    return max(now, start)


def next_greeting(
    now: datetime,
    tz: ZoneInfo,
    month: int,
    day: int,
    window: Window,
    *,
    first_year: int | None = None,
    done_through: date | None = None,
) -> tuple[date, datetime] | None:
    """The next (local date, due instant) of a yearly milestone, from `now` on."""
    start_year = now.astimezone(tz).year
    if done_through is not None:
        start_year = max(start_year, done_through.year)
    if first_year is not None:
        start_year = max(start_year, first_year)
    for year in range(start_year, start_year + 3):
        milestone = anniversary_in(year, month, day)
        if done_through is not None and milestone <= done_through:
            continue
        due = greeting_due(now, tz, milestone, window)
        if due is not None:
            return milestone, due
    return None


def summary(occasion: str, due_at: datetime, tz: ZoneInfo, tz_name: str) -> str:
    """What a timer waits for, in the candidate's wall-clock time: no personal data."""
    local = due_at.astimezone(tz)
    return f"{occasion} {local:%Y-%m-%d %H:%M} {tz_name}"


def idempotency_key(candidate_id: str, occasion: str, ref: str) -> str:
    return f"{candidate_id}:{occasion}:{ref}"


@dataclass(frozen=True)
class Slot:
    """A touch before channel and budget are decided."""

    occasion: str
    due_at: datetime
    local_date: date
    key_ref: str
    sender_role: str
    sender: str | None
    ref_id: str | None = None
    deadline: datetime | None = None


def greeting_slots(state: CandidateState, now: datetime, until: datetime) -> list[Slot]:
    facts = state.facts
    tz = zone(facts.timezone)
    window = Window.of(state.policy)
    milestones: list[tuple[str, int, int, int | None]] = []
    if facts.birthday:
        month, day = parse_month_day(facts.birthday)
        milestones.append((Occasion.BIRTHDAY.value, month, day, None))
    if facts.job_started_on:
        started = date.fromisoformat(facts.job_started_on)
        milestones.append(
            (Occasion.WORK_ANNIVERSARY.value, started.month, started.day, started.year + 1)
        )
    slots = []
    for occasion, month, day, first_year in milestones:
        handled = (
            date.fromisoformat(state.done_through[occasion])
            if occasion in state.done_through
            else None
        )
        while True:
            found = next_greeting(
                now, tz, month, day, window, first_year=first_year, done_through=handled
            )
            if found is None or found[1] > until:
                break
            milestone, due = found
            slots.append(
                Slot(occasion, due, milestone, milestone.isoformat(), facts.owner_role, facts.owner)
            )
            handled = milestone
    return slots


def check_in_slots(state: CandidateState, now: datetime, until: datetime) -> list[Slot]:
    """Check-ins, paced by the relationship from the last one (or half a pace after enrolment)."""
    facts = state.facts
    tz = zone(facts.timezone)
    window = Window.of(state.policy)
    every = CHECK_IN_EVERY.get(facts.rapport, CHECK_IN_EVERY[Rapport.COLD.value])
    if state.last_check_in_at is not None:
        after = state.last_check_in_at + every
    elif facts.enrolled_on:
        after = local_instant(date.fromisoformat(facts.enrolled_on), window.start, tz) + every / 2
    else:
        after = now + every / 2
    slots: list[Slot] = []
    while True:
        due = next_slot(max(after, now), tz, window, state.policy, facts.country)
        if due > until:
            return slots
        local = due.astimezone(tz).date()
        slots.append(
            Slot(
                Occasion.CHECK_IN.value,
                due,
                local,
                local.isoformat(),
                facts.owner_role,
                facts.owner,
            )
        )
        after = due + every


def one_off_slots(state: CandidateState, now: datetime, until: datetime) -> list[Slot]:
    """Thank-yous and invitations one by one; vacancies pending together go in one message."""
    facts = state.facts
    tz = zone(facts.timezone)
    window = Window.of(state.policy)
    vacancies = [p for p in state.pending if p.occasion == Occasion.VACANCY.value]
    others = [p for p in state.pending if p.occasion != Occasion.VACANCY.value]
    groups = [[pending] for pending in others]
    if vacancies:
        groups.append(vacancies)
    slots: list[Slot] = []
    for group in groups:
        first = group[0]
        earliest = max(pending.not_before for pending in group)
        due = next_slot(max(earliest, now), tz, window, state.policy, facts.country)
        if due > until:
            continue
        senders = {pending.sender for pending in group}
        # Vacancies from different hiring managers, in one message: the person who holds
        # the relationship writes it; nobody does: the first hiring manager.
        one_voice = len(senders) == 1 or not facts.owner
        voice = next((pending for pending in group if pending.sender), first)
        ref = ",".join(sorted(pending.ref_id for pending in group))
        slots.append(
            Slot(
                first.occasion,
                due,
                due.astimezone(tz).date(),
                ref,
                voice.sender_role if one_voice else facts.owner_role,
                voice.sender if one_voice else facts.owner,
                ref,
                min((p.deadline for p in group if p.deadline), default=None),
            )
        )
    return slots


def plan(
    state: CandidateState, now: datetime, horizon: timedelta = DEFAULT_HORIZON
) -> list[PlannedTouch]:
    """Every touch due between `now` and `now + horizon`, in order, with channel and budget.

    A touch that collides with the contact budget (another touch of equal or higher priority
    went out, or one of higher priority is due, within the budget window) is planned as a
    skip with its reason, so that it is recorded, never silently dropped.
    """
    facts = state.facts
    if state.stage != Stage.NURTURING.value:
        return []
    until = now + horizon
    slots = greeting_slots(state, now, until)
    if not facts.greetings_only:
        slots += check_in_slots(state, now, until) + one_off_slots(state, now, until)
    slots.sort(key=lambda slot: (slot.due_at, -PRIORITY[slot.occasion]))

    tz = zone(facts.timezone)
    budget = timedelta(
        days=state.policy.min_days_between_touches * BUDGET_FACTOR.get(facts.rapport, 2)
    )
    choices = [
        choose_channel(
            facts,
            slot.occasion,
            state.policy,
            sender=slot.sender,
            sender_role=slot.sender_role,
            unanswered=state.unanswered,
        )
        for slot in slots
    ]
    went_out = [(record.occasion, record.at) for record in state.recent]
    touches = []
    for index, (slot, choice) in enumerate(zip(slots, choices, strict=True)):
        rank = PRIORITY[slot.occasion]
        reason = None
        earlier = next(
            (
                (occasion, at)
                for occasion, at in reversed(went_out)
                if at <= slot.due_at < at + budget and PRIORITY[occasion] >= rank
            ),
            None,
        )
        later = next(
            (
                other
                for other, other_choice in zip(
                    slots[index + 1 :], choices[index + 1 :], strict=True
                )
                if other.due_at < slot.due_at + budget
                and PRIORITY[other.occasion] > rank
                and other_choice.channel is not None
            ),
            None,
        )
        if slot.deadline is not None and slot.due_at > slot.deadline:
            reason = f"missed its moment: due by {slot.deadline.astimezone(tz):%Y-%m-%d}"
        elif earlier is not None:
            reason = (
                f"contact budget: {earlier[0]} went out on {earlier[1].astimezone(tz):%Y-%m-%d}"
            )
        elif later is not None:
            reason = (
                f"contact budget: {later.occasion} is due on {later.due_at.astimezone(tz):%Y-%m-%d}"
            )
        elif choice.channel is None:
            reason = choice.reason
        if reason is None:
            went_out.append((slot.occasion, slot.due_at))
        touches.append(
            PlannedTouch(
                occasion=slot.occasion,
                channel=None if reason else choice.channel,
                sender_role=slot.sender_role,
                due_at=slot.due_at,
                local_date=slot.local_date.isoformat(),
                summary=summary(slot.occasion, slot.due_at, tz, facts.timezone),
                idempotency_key=idempotency_key(facts.candidate_id, slot.occasion, slot.key_ref),
                reason=reason,
                sender=slot.sender,
                ref_id=slot.ref_id,
                deadline=task_deadline(slot, state.policy, tz),
                assisted=bool(choice.assisted) and reason is None,
                skip=reason is not None,
            )
        )
    return touches


def task_deadline(slot: Slot, policy: SchedulePolicy, tz: ZoneInfo) -> datetime:
    """Until when a person may send an assisted draft before Rapport falls back.

    A greeting belongs to its day: the owner has until that day's window closes. Other touches
    get the policy's days, but never past their own deadline (a thank-you within 14 days).
    """
    window = Window.of(policy)
    if slot.occasion in GREETINGS:
        return max(local_instant(slot.local_date, window.end, tz), slot.due_at)
    deadline = slot.due_at + timedelta(days=policy.task_deadline_days)
    if slot.deadline is not None:
        deadline = min(deadline, slot.deadline)
    return max(deadline, slot.due_at)


def next_touch(state: CandidateState, now: datetime) -> PlannedTouch | None:
    """The one touch the workflow sleeps until."""
    touches = plan(state, now)
    return touches[0] if touches else None


def fallback_channel(
    state: CandidateState, touch: PlannedTouch, tried: list[str]
) -> tuple[str | None, bool, str | None]:
    """After a person did not act: the next allowed channel (channel, assisted, reason)."""
    choice = choose_channel(
        state.facts,
        touch.occasion,
        state.policy,
        sender=touch.sender,
        sender_role=touch.sender_role,
        unanswered=state.unanswered,
        exclude=tried,
    )
    return choice.channel, choice.assisted, choice.reason


def event_follow_up(
    met: date, tz_name: str, interaction_id: str, sender: str | None, sender_role: str
) -> OneOff:
    """A thank-you after meeting in person: from the next day, within 14 days of the meeting."""
    tz = zone(tz_name)
    return OneOff(
        occasion=Occasion.EVENT_FOLLOW_UP.value,
        ref_id=interaction_id,
        sender_role=sender_role,
        sender=sender,
        not_before=local_instant(met + timedelta(days=1), time(0, 0), tz),
        deadline=local_instant(met + timedelta(days=14), time(23, 59), tz),
    )
