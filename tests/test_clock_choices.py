"""The tests' choices of zones and dates, checked at every hour of several years.

The HTTP tests run against the dev stack, whose Temporal server reads the real clock (a Go
binary: libfaketime cannot move it), so they cannot be run at another instant. What makes
them pass at any hour, weekday and date is the zone and the dates they pick relative to now;
here those picks are evaluated with the planner the workflows use, at every hour of
two years (a leap day, both DST changes in both hemispheres, two year ends, every holiday),
and at the instants that once broke a test.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

import rapport.outreach.planning as planning
import rapport.outreach.timing as timing
from harness.api_helpers import (
    ANNIVERSARY_DAYS_AHEAD,
    BIRTHDAY_DAYS_AHEAD,
    birthday_on,
    country_without_holiday,
    days_ahead,
    zone_in_send_window,
)
from rapport.outreach.state import CandidateFacts, CandidateState, SchedulePolicy
from rapport.public_holidays import library_holidays, with_library_holidays
from rapport.vocabulary import Occasion

# As the test stack runs (tests/stack.py): every day a send day, the default window.
STACK_POLICY = SchedulePolicy(send_days=list(range(7)))
WINDOW = timing.Window.of(STACK_POLICY)
REPORTED = [
    datetime(2027, 3, 3, 8, 45, tzinfo=UTC),  # a weekday morning: the reported failure
    datetime(2027, 3, 5, 23, 30, tzinfo=UTC),  # Friday night
    datetime(2027, 3, 6, 12, 0, tzinfo=UTC),  # Saturday noon
    datetime(2028, 2, 29, 12, 0, tzinfo=UTC),  # a leap day
    datetime(2027, 12, 31, 23, 50, tzinfo=UTC),  # year end
    datetime(2027, 3, 28, 1, 30, tzinfo=UTC),  # Europe springs forward
    datetime(2027, 3, 14, 7, 30, tzinfo=UTC),  # the US springs forward
    datetime(2027, 10, 31, 1, 30, tzinfo=UTC),  # Europe falls back
    datetime(2026, 12, 25, 10, 0, tzinfo=UTC),
    datetime(2027, 1, 1, 0, 30, tzinfo=UTC),
]


def every(step: timedelta, start: datetime, end: datetime) -> Iterator[datetime]:
    moment = start
    while moment < end:
        yield moment
        moment += step


FROM, UNTIL = datetime(2027, 1, 1, tzinfo=UTC), datetime(2029, 1, 1, tzinfo=UTC)
INSTANTS = [
    # On the hour and at a quarter to: a list of whole-hour zones is most stretched at :45.
    *every(timedelta(hours=1), FROM, UNTIL),
    *every(timedelta(hours=1), FROM + timedelta(minutes=45), UNTIL),
    *REPORTED,
]


def test_a_zone_in_the_window_keeps_it_open_for_hours_and_today_can_be_a_birthday() -> None:
    for now in INSTANTS:
        zone, local = zone_in_send_window(now)
        tz = timing.zone(zone)
        day = local.date()
        country = country_without_holiday(day)
        # Sendable now, on a day that is not a holiday where they live, for two hours more.
        assert timing.next_slot(now, tz, WINDOW, STACK_POLICY, country, library_holidays) == now, (
            now
        )
        assert timing.local_instant(day, WINDOW.end, tz) >= now + timedelta(hours=2), now
        # A birthday on this local day is greeted now.
        month, mday = timing.parse_month_day(birthday_on(day))
        found = timing.next_greeting(now, tz, month, mday, WINDOW)
        assert found is not None and found == (day, now), now


def test_a_zone_outside_the_window_stays_closed_for_hours() -> None:
    for now in INSTANTS:
        zone, local = zone_in_send_window(now, inside=False)
        tz = timing.zone(zone)
        country = country_without_holiday(local.date())
        opens = timing.next_slot(now, tz, WINDOW, STACK_POLICY, country, library_holidays)
        assert opens >= now + timedelta(hours=3), (now, zone)


def enrolled(now: datetime, **overrides: object) -> CandidateState:
    """The facts the API makes of `api_helpers.enrolment()` enrolled at `now`."""
    values: dict[str, object] = {
        "candidate_id": "c-1",
        "timezone": "Europe/Berlin",
        "country": "DE",
        "owner": "sam.lee@example.com",
        "owner_role": "employee",
        "relationship_origin": "former_colleague",
        "rapport": "warm",
        "birthday": f"{days_ahead(BIRTHDAY_DAYS_AHEAD, now):%m-%d}",
        "job_started_on": f"2019-{days_ahead(ANNIVERSARY_DAYS_AHEAD, now):%m-%d}",
        "enrolled_on": now.astimezone(timing.zone("Europe/Berlin")).date().isoformat(),
        "has_email": True,
        "has_linkedin": True,
        "consent": {"email": True},
    }
    values.update(overrides)
    return CandidateState(facts=CandidateFacts(**values), policy=STACK_POLICY)  # type: ignore[arg-type]


@pytest.mark.parametrize("hour", [8, 23])
def test_the_default_enrolment_has_nothing_due_soon_and_two_of_each_greeting_in_two_years(
    hour: int,
) -> None:
    start = datetime(2027, 1, 1, hour, 45, tzinfo=UTC)
    for now in [*every(timedelta(days=5), start, start + timedelta(days=731)), *REPORTED]:
        touches = planning.plan(
            with_library_holidays(enrolled(now), now, timedelta(days=731)), now, timedelta(days=731)
        )
        assert touches[0].due_at >= now + timedelta(days=30), now
        occasions = [touch.occasion for touch in touches]
        assert (occasions.count(Occasion.BIRTHDAY), occasions.count(Occasion.WORK_ANNIVERSARY)) == (
            2,
            2,
        ), now
        # A birthday three weeks away is the next touch, by email (tests/test_api.py).
        soon = enrolled(now, birthday=f"{days_ahead(20, now):%m-%d}")
        first = planning.next_touch(with_library_holidays(soon, now), now)
        assert first is not None and (first.occasion, first.channel) == ("birthday", "email")
