"""Spacing that respects the person: quiet days around greetings, one message a day.

Two rules on top of the contact budget, both in the candidate's own local days:

- **Quiet days** (`SchedulePolicy.greeting_quiet_days`, Q): no business touch (vacancy,
  invitation, check-in) on the day of a greeting (birthday, work anniversary) or in the Q-1
  days after it, nor a greeting on the day of a business touch or in the Q-1 days after it.
  With Q = 3, a birthday on Monday leaves Tuesday and Wednesday quiet: business from Thursday.
  A business touch that falls due in a greeting's quiet days waits until they have passed. One
  that would close first (its deadline comes before the quiet days end) and outranks the
  greeting (a vacancy) goes instead, and the greeting is skipped with the reason; one that is
  outranked, or comes after a greeting already sent, is skipped with the reason. Greetings
  never move: they belong to their day.
- **One message a day** (`SchedulePolicy.one_touch_per_day`): never two messages to one
  person on one local day, whoever sends them and whatever their priority. On a day with a
  greeting the greeting has the day; anything else that falls due on a day already taken waits
  for the next day's send window, or is skipped with the reason when that is past its
  deadline. A greeting on a day already taken is skipped.

Both are frozen into the policy with defaults that switch them off, so a workflow started
before them replays with the decisions it recorded; new enrolments get them from the settings
(`rapport.facts.schedule_policy`). Pure: `now` and the holidays are passed in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from rapport.outreach.policy import CELEBRATIONS, PRIORITY
from rapport.outreach.state import SchedulePolicy
from rapport.outreach.timing import HolidayLookup, Window, local_instant, next_slot
from rapport.vocabulary import Occasion

GREETINGS = CELEBRATIONS
BUSINESS = frozenset({Occasion.VACANCY, Occasion.INVITATION, Occasion.CHECK_IN})


class Timed(Protocol):
    """What the rules read of a planned slot."""

    @property
    def occasion(self) -> Occasion: ...
    @property
    def due_at(self) -> datetime: ...
    @property
    def local_date(self) -> date: ...
    @property
    def deadline(self) -> datetime | None: ...


@dataclass(frozen=True)
class Out:
    """A message that went out, or that the plan lets go, and its local day."""

    occasion: Occasion
    at: datetime
    day: date
    planned: bool

    def went(self) -> str:
        return f"{self.occasion} {'goes' if self.planned else 'went'} out on {self.day}"


@dataclass(frozen=True)
class Verdict:
    """A touch the budget lets go: it goes (neither set), waits `until`, or is skipped."""

    until: datetime | None = None
    reason: str | None = None


GOES = Verdict()


@dataclass(frozen=True)
class Calendar:
    """The candidate's local days and send slots."""

    tz: ZoneInfo
    policy: SchedulePolicy
    country: str
    holidays: HolidayLookup

    def day(self, instant: datetime) -> date:
        return instant.astimezone(self.tz).date()

    def first_slot(self, day: date) -> datetime:
        """The first send slot on a working day on or after a local day."""
        start = local_instant(day, time(0, 0), self.tz)
        window = Window.of(self.policy)
        return next_slot(start, self.tz, window, self.policy, self.country, self.holidays)

    def out(self, occasion: Occasion, at: datetime, *, planned: bool) -> Out:
        return Out(occasion, at, self.day(at), planned)


def enabled(policy: SchedulePolicy) -> bool:
    return policy.greeting_quiet_days > 0 or policy.one_touch_per_day


def order(slot: Timed) -> tuple[date, bool, datetime, int]:
    """The order slots are decided in while spacing: day by day, a day's greeting first."""
    return (slot.local_date, slot.occasion not in GREETINGS, slot.due_at, -PRIORITY[slot.occasion])


def _quiet(greeting_day: date, day: date, days: int) -> bool:
    """`day` is the greeting's day or one of the quiet days after it (or the other way)."""
    return 0 <= (day - greeting_day).days < days


def _can_wait(slot: Timed, until: datetime) -> bool:
    return slot.deadline is None or until <= slot.deadline


def waits_for(greeting: Timed, other: Timed, cal: Calendar) -> bool:
    """`other` is a business touch due in the greeting's quiet days that can wait them out.

    It waits, so it does not crowd the greeting out of the contact budget either.
    """
    days = cal.policy.greeting_quiet_days
    if not days or greeting.occasion not in GREETINGS or other.occasion not in BUSINESS:
        return False
    if not _quiet(greeting.local_date, other.local_date, days):
        return False
    return _can_wait(other, cal.first_slot(greeting.local_date + timedelta(days=days)))


def verdict(slot: Timed, went_out: list[Out], ahead: Iterable[Timed], cal: Calendar) -> Verdict:
    """What spacing makes of a touch the contact budget lets go.

    `went_out`: what went out and what the plan lets go before it; `ahead`: the touches still
    to be decided that have a channel.
    """
    if slot.occasion in GREETINGS:
        return _greeting(slot, went_out, ahead, cal)
    days = cal.policy.greeting_quiet_days
    if days and slot.occasion in BUSINESS:
        greetings = [
            out
            for out in went_out
            if out.occasion in GREETINGS and _quiet(out.day, slot.local_date, days)
        ]
        if greetings:
            last = max(greetings, key=lambda out: out.day)
            until = cal.first_slot(last.day + timedelta(days=days))
            if _can_wait(slot, until):
                return Verdict(until=until)
            return Verdict(reason=f"quiet days: {last.went()}, {_past_deadline(slot, cal)}")
    taken = [out for out in went_out if out.day == slot.local_date]
    if cal.policy.one_touch_per_day and taken:
        until = cal.first_slot(slot.local_date + timedelta(days=1))
        if _can_wait(slot, until):
            return Verdict(until=until)
        return Verdict(reason=f"one message a day: {taken[-1].went()}, {_past_deadline(slot, cal)}")
    return GOES


def _past_deadline(slot: Timed, cal: Calendar) -> str:
    assert slot.deadline is not None
    return f"and waiting would pass its deadline ({cal.day(slot.deadline)})"


def _greeting(slot: Timed, went_out: list[Out], ahead: Iterable[Timed], cal: Calendar) -> Verdict:
    days = cal.policy.greeting_quiet_days
    day = slot.local_date
    if days:
        business = [
            out for out in went_out if out.occasion in BUSINESS and _quiet(out.day, day, days)
        ]
        if business:
            return Verdict(reason=f"quiet days: {business[-1].went()}")
    taken = [out for out in went_out if out.day == day]
    if cal.policy.one_touch_per_day and taken:
        return Verdict(reason=f"one message a day: {taken[-1].went()}")
    if days:
        forced = next(
            (
                other
                for other in ahead
                if other.occasion in BUSINESS
                and PRIORITY[other.occasion] > PRIORITY[slot.occasion]
                and _quiet(day, other.local_date, days)
                and other.deadline is not None
                and other.due_at <= other.deadline
                and not waits_for(slot, other, cal)
            ),
            None,
        )
        if forced is not None and forced.deadline is not None:
            return Verdict(
                reason=f"quiet days: {forced.occasion} is due on {forced.local_date} and "
                f"cannot wait (due by {cal.day(forced.deadline)})"
            )
    return GOES
