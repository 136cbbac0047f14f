"""Table tests for the pure planner: leap days, DST, date line, enrolment on the day, windows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rapport.outreach import planning, timing
from rapport.outreach.state import CandidateFacts, CandidateState, SchedulePolicy

POLICY = SchedulePolicy()


def facts(**overrides: object) -> CandidateState:
    """A greetings-only candidate, so these calendar tables see no check-ins."""
    values: dict[str, object] = {
        "candidate_id": "c-1",
        "timezone": "Europe/London",
        "country": "GB",
        "has_email": True,
        "consent": {"email": True},
        "greetings_only": True,
        "relationship_origin": "former_colleague",
        "rapport": "warm",
    }
    policy = overrides.pop("policy", POLICY)
    done = overrides.pop("done_through", {})
    values.update(overrides)
    return CandidateState(
        facts=CandidateFacts(**values),  # type: ignore[arg-type]
        policy=policy,  # type: ignore[arg-type]
        done_through=done,  # type: ignore[arg-type]
    )


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.mark.parametrize(
    ("case", "tz", "birthday", "now", "expected_due", "expected_local_date"),
    [
        (
            "ordinary day",
            "Europe/London",
            "12-10",
            "2026-11-27T05:00:00+00:00",
            "2026-12-10T09:00:00+00:00",
            "2026-12-10",
        ),
        (
            "leap-day birthday in a common year falls on 28 February",
            "Europe/Berlin",
            "02-29",
            "2026-11-27T05:00:00+00:00",
            "2027-02-28T09:00:00+01:00",
            "2027-02-28",
        ),
        (
            "leap-day birthday in a leap year stays on 29 February",
            "Europe/Berlin",
            "02-29",
            "2027-03-01T05:00:00+00:00",
            "2028-02-29T09:00:00+01:00",
            "2028-02-29",
        ),
        (
            "east of the date line: UTC is still the day before",
            "Pacific/Kiritimati",
            "12-10",
            "2026-11-27T05:00:00+00:00",
            "2026-12-09T19:00:00+00:00",
            "2026-12-10",
        ),
        (
            "west of the date line: UTC is already the evening",
            "Pacific/Pago_Pago",
            "12-10",
            "2026-11-27T05:00:00+00:00",
            "2026-12-10T20:00:00+00:00",
            "2026-12-10",
        ),
        (
            "enrolled on the day while the window is open: now",
            "Asia/Tokyo",
            "11-27",
            "2026-11-27T05:00:00+00:00",
            "2026-11-27T05:00:00+00:00",
            "2026-11-27",
        ),
        (
            "enrolled on the day before the window opens: at the window's start",
            "Europe/London",
            "11-27",
            "2026-11-27T06:30:00+00:00",
            "2026-11-27T09:00:00+00:00",
            "2026-11-27",
        ),
        (
            "enrolled on the day after the window closed: next year",
            "Europe/London",
            "11-27",
            "2026-11-27T17:00:00+00:00",
            "2027-11-27T09:00:00+00:00",
            "2027-11-27",
        ),
        (
            "summer time: 09:00 BST is 08:00 UTC",
            "Europe/London",
            "07-01",
            "2026-11-27T05:00:00+00:00",
            "2027-07-01T08:00:00+00:00",
            "2027-07-01",
        ),
        (
            "a greeting on a weekend still goes on the day",
            "Europe/London",
            "11-28",
            "2026-11-27T05:00:00+00:00",
            "2026-11-28T09:00:00+00:00",
            "2026-11-28",
        ),
    ],
)
def test_next_birthday(
    case: str, tz: str, birthday: str, now: str, expected_due: str, expected_local_date: str
) -> None:
    touch = planning.next_touch(facts(timezone=tz, birthday=birthday), utc(now))
    assert touch is not None, case
    assert touch.occasion == "birthday"
    assert touch.due_at == utc(expected_due), case
    assert touch.local_date == expected_local_date, case


@pytest.mark.parametrize(
    ("tz", "day", "window_start", "expected_local"),
    [
        # Spring forward at 02:00: a 02:30 start does not exist and moves past the gap.
        ("Europe/Berlin", date(2027, 3, 28), "02:30", "2027-03-28T03:30:00+02:00"),
        ("America/New_York", date(2027, 3, 14), "02:30", "2027-03-14T03:30:00-04:00"),
        # Fall back: 01:30 happens twice; the first one is taken.
        ("America/New_York", date(2026, 11, 1), "01:30", "2026-11-01T01:30:00-04:00"),
        # A zone whose clocks moved by 30 minutes (Lord Howe) keeps the same rule.
        ("Australia/Lord_Howe", date(2026, 10, 4), "02:15", "2026-10-04T02:45:00+11:00"),
    ],
)
def test_local_instant_across_dst(
    tz: str, day: date, window_start: str, expected_local: str
) -> None:
    instant = timing.local_instant(
        day, datetime.strptime(window_start, "%H:%M").time(), ZoneInfo(tz)
    )
    assert instant == datetime.fromisoformat(expected_local)
    assert instant.astimezone(ZoneInfo(tz)).isoformat() == expected_local


def test_greeting_in_a_dst_gap_goes_out_after_the_gap() -> None:
    policy = SchedulePolicy(window_start="02:30", window_end="10:00")
    touch = planning.next_touch(
        facts(timezone="Europe/Berlin", birthday="03-28", policy=policy),
        utc("2027-01-01T00:00:00+00:00"),
    )
    assert touch is not None
    assert touch.due_at.astimezone(ZoneInfo("Europe/Berlin")).isoformat() == (
        "2027-03-28T03:30:00+02:00"
    )


@pytest.mark.parametrize(
    ("started", "now", "expected_local_date"),
    [
        ("2020-03-15", "2026-11-27T05:00:00+00:00", "2027-03-15"),
        ("2026-05-01", "2026-11-27T05:00:00+00:00", "2027-05-01"),
        # Started today: the first anniversary is a year away, never today.
        ("2026-11-27", "2026-11-27T10:00:00+00:00", "2027-11-27"),
        ("2016-02-29", "2026-11-27T05:00:00+00:00", "2027-02-28"),
        ("2019-11-27", "2026-11-27T12:00:00+00:00", "2026-11-27"),
    ],
)
def test_next_work_anniversary(started: str, now: str, expected_local_date: str) -> None:
    touch = planning.next_touch(facts(job_started_on=started), utc(now))
    assert touch is not None
    assert touch.occasion == "work_anniversary"
    assert touch.local_date == expected_local_date


def test_a_handled_milestone_is_not_planned_again_the_same_day() -> None:
    now = utc("2026-11-27T10:00:00+00:00")
    first = planning.next_touch(facts(birthday="11-27"), now)
    assert first is not None and first.local_date == "2026-11-27"
    again = planning.next_touch(
        facts(birthday="11-27", done_through={"birthday": "2026-11-27"}), now
    )
    assert again is not None and again.local_date == "2027-11-27"


def test_custom_window() -> None:
    policy = SchedulePolicy(window_start="08:30", window_end="12:00")
    on_time = planning.next_touch(
        facts(birthday="12-01", policy=policy), utc("2026-11-27T05:00:00+00:00")
    )
    assert on_time is not None and on_time.due_at == utc("2026-12-01T08:30:00+00:00")
    # 12:30 on the day: that window has closed.
    late = planning.next_touch(
        facts(birthday="12-01", policy=policy), utc("2026-12-01T12:30:00+00:00")
    )
    assert late is not None and late.local_date == "2027-12-01"


def test_two_years_of_greetings_in_order() -> None:
    touches = planning.plan(
        facts(birthday="03-01", job_started_on="2015-09-10"),
        utc("2026-11-27T05:00:00+00:00"),
        timedelta(days=730),
    )
    assert [(t.occasion, t.local_date) for t in touches] == [
        ("birthday", "2027-03-01"),
        ("work_anniversary", "2027-09-10"),
        ("birthday", "2028-03-01"),
        ("work_anniversary", "2028-09-10"),
    ]
    assert all(t.due_at.astimezone(ZoneInfo("Europe/London")).hour == 9 for t in touches)
    assert len({t.idempotency_key for t in touches}) == 4


def test_long_horizons_keep_going() -> None:
    touches = planning.plan(
        facts(birthday="06-01"), utc("2026-11-27T05:00:00+00:00"), timedelta(days=3650)
    )
    assert [t.local_date[:4] for t in touches] == [str(y) for y in range(2027, 2037)]


def test_summary_names_occasion_local_time_and_zone() -> None:
    touch = planning.next_touch(facts(birthday="12-10"), utc("2026-11-27T05:00:00+00:00"))
    assert touch is not None
    assert touch.summary == "birthday 2026-12-10 09:00 Europe/London"


def test_nothing_to_plan_without_dates() -> None:
    assert planning.next_touch(facts(), utc("2026-11-27T05:00:00+00:00")) is None


@pytest.mark.parametrize("bad", ["02-30", "13-01", "1990-02-30", "12"])
def test_parse_month_day_rejects_impossible_dates(bad: str) -> None:
    with pytest.raises(ValueError):
        timing.parse_month_day(bad)
