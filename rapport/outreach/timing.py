"""Calendar arithmetic in the candidate's own time zone: local days, send windows, working days
and public holidays, yearly milestones (29 February included).

Pure: nothing here reads the clock or does I/O; `now` is always passed in. Public holidays are
passed in too, as a lookup (`HolidayLookup`): the planner reads the ones pinned in the
candidate's state, never a holiday library, so that upgrading one cannot change what a replayed
workflow decides (see `rapport.outreach.pinned`). Workflows import this module through
`imports_passed_through()`, so the `ZoneInfo` objects made here are real ones, not sandbox
proxies.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from rapport.outreach.state import SchedulePolicy

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


# A country's public holidays in a year: (country, year) → the dates.
HolidayLookup = Callable[[str, int], frozenset[date]]


def holiday_key(country: str, year: int) -> str:
    """How a pinned calendar names one country's year: `"DE:2027"`."""
    return f"{country}:{year}"


def pinned_holidays(table: Mapping[str, Sequence[str]]) -> HolidayLookup:
    """A lookup over pinned holidays (`holiday_key` → ISO dates).

    A country and year not in the table has no holidays: whoever plans pins the years the plan
    needs first (the workflow through an activity, everyone else from the library).
    """
    parsed: dict[str, frozenset[date]] = {}

    def lookup(country: str, year: int) -> frozenset[date]:
        key = holiday_key(country, year)
        if key not in parsed:
            parsed[key] = frozenset(date.fromisoformat(day) for day in table.get(key, ()))
        return parsed[key]

    return lookup


def is_working_day(day: date, country: str, send_days: list[int], holidays: HolidayLookup) -> bool:
    return day.weekday() in send_days and day not in holidays(country, day.year)


def next_slot(
    after: datetime,
    tz: ZoneInfo,
    window: Window,
    policy: SchedulePolicy,
    country: str,
    holidays: HolidayLookup,
) -> datetime:
    """The first instant from `after` inside the local window of a working day, not a holiday."""
    first = after.astimezone(tz).date()
    for offset in range(MAX_SLOT_SEARCH_DAYS):
        day = first + timedelta(days=offset)
        if not is_working_day(day, country, policy.send_days, holidays):
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
