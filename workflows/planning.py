"""Pure calendar and time-zone planning, shared by the candidate workflow and the API's plan.

Workflows import this module through `imports_passed_through()`, so the `ZoneInfo` objects made
here are real ones, not sandbox proxies. Nothing here reads the clock: `now` is always passed in.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from rapport.vocabulary import Occasion
from workflows.models import CandidateFacts, PlannedTouch, SchedulePolicy
from workflows.policy import choose_channel

GREETINGS = (Occasion.BIRTHDAY, Occasion.WORK_ANNIVERSARY)


@dataclass(frozen=True)
class Window:
    start: time
    end: time

    @classmethod
    def of(cls, policy: SchedulePolicy) -> Window:
        return cls(time.fromisoformat(policy.window_start), time.fromisoformat(policy.window_end))


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


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


def greeting_due(now: datetime, tz: ZoneInfo, day: date, window: Window) -> datetime | None:
    """When a greeting for `day` goes out: at the window's start, or now if the window is open.

    None when that day's window has already closed.
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


def idempotency_key(candidate_id: str, occasion: str, local_date: date) -> str:
    return f"{candidate_id}:{occasion}:{local_date.isoformat()}"


def upcoming_greetings(
    facts: CandidateFacts,
    policy: SchedulePolicy,
    now: datetime,
    *,
    horizon: timedelta,
    done_through: dict[str, str] | None = None,
) -> list[PlannedTouch]:
    """Every birthday and work-anniversary greeting due between `now` and `now + horizon`."""
    tz = zone(facts.timezone)
    window = Window.of(policy)
    done = {key: date.fromisoformat(value) for key, value in (done_through or {}).items()}
    until = now + horizon
    touches: list[PlannedTouch] = []

    milestones: list[tuple[Occasion, int, int, int | None]] = []
    if facts.birthday:
        month, day = parse_month_day(facts.birthday)
        milestones.append((Occasion.BIRTHDAY, month, day, None))
    if facts.job_started_on:
        started = date.fromisoformat(facts.job_started_on)
        milestones.append((Occasion.WORK_ANNIVERSARY, started.month, started.day, started.year + 1))

    for occasion, month, day, first_year in milestones:
        handled = done.get(occasion)
        while True:
            found = next_greeting(
                now, tz, month, day, window, first_year=first_year, done_through=handled
            )
            if found is None:
                break
            milestone, due = found
            if due > until:
                break
            touches.append(planned(facts, occasion, milestone, due, tz))
            handled = milestone
    touches.sort(key=lambda touch: (touch.due_at, touch.occasion))
    return touches


def planned(
    facts: CandidateFacts, occasion: Occasion, milestone: date, due: datetime, tz: ZoneInfo
) -> PlannedTouch:
    choice = choose_channel(facts, occasion)
    return PlannedTouch(
        occasion=occasion.value,
        channel=choice.channel,
        sender_role=facts.owner_role,
        due_at=due,
        local_date=milestone.isoformat(),
        summary=summary(occasion.value, due, tz, facts.timezone),
        idempotency_key=idempotency_key(facts.candidate_id, occasion.value, milestone),
        reason=choice.reason,
    )


def next_touch(
    facts: CandidateFacts,
    policy: SchedulePolicy,
    now: datetime,
    done_through: dict[str, str] | None = None,
) -> PlannedTouch | None:
    """The one touch the workflow sleeps until; two years ahead covers every yearly milestone."""
    touches = upcoming_greetings(
        facts, policy, now, horizon=timedelta(days=2 * 366), done_through=done_through
    )
    return touches[0] if touches else None


def years_since(started_on: str, on: date) -> int:
    return on.year - date.fromisoformat(started_on).year
