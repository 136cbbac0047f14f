"""What the HTTP tests and the benchmarks send to the API and how they wait for its answers:
enrolment bodies, places where a send may go now, and polling."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rapport.public_holidays import library_holidays

# One zone per whole-hour offset from -11 to +14: at any moment one of them is mid-morning.
ZONES_AROUND_THE_WORLD = (
    "Pacific/Pago_Pago", "Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles",
    "America/Denver", "America/Chicago", "America/New_York", "America/Halifax",
    "America/Sao_Paulo", "Atlantic/South_Georgia", "Atlantic/Azores", "Europe/London",
    "Europe/Berlin", "Europe/Athens", "Europe/Moscow", "Asia/Dubai", "Asia/Karachi",
    "Asia/Dhaka", "Asia/Bangkok", "Asia/Shanghai", "Asia/Tokyo", "Australia/Brisbane",
    "Pacific/Noumea", "Pacific/Auckland", "Pacific/Tongatapu", "Pacific/Kiritimati",
)  # fmt: skip


def zone_in_send_window(
    now: datetime | None = None, *, inside: bool = True
) -> tuple[str, datetime]:
    """A zone whose local time is well inside (or well outside) the 09:00-17:00 window now."""
    moment = now or datetime.now(UTC)
    for name in ZONES_AROUND_THE_WORLD:
        local = moment.astimezone(ZoneInfo(name))
        if (10 <= local.hour < 15) if inside else (local.hour >= 20 or local.hour < 6):
            return name, local
    raise AssertionError("no zone found: the zone list has a gap")


def birthday_on(local_day: date) -> str:
    """A birthday (YYYY-MM-DD) falling on `local_day`; on 29 February, a leap-day birthday,
    which is greeted on the 29th in a leap year (a 28 February one was greeted yesterday)."""
    if (local_day.month, local_day.day) == (2, 29):
        return "1992-02-29"
    return f"1990-{local_day:%m-%d}"


def country_without_holiday(day: date) -> str:
    """A country for which `day` is not a public holiday, so a send may go today."""
    for country in ("DE", "GB", "US", "JP", "BR", "IN", "FR", "CA"):
        if day not in library_holidays(country, day.year):
            return country
    raise AssertionError(f"{day} is a holiday everywhere we looked")


def days_ahead(days: int, now: datetime | None = None) -> date:
    """A day `days` after today, never 29 February, so it recurs every year.

    Birthdays and anniversaries in the tests sit this far from now, not on fixed dates: a
    fixed 15 June would be greeted during a test run on 15 June, and add a touch to it.
    """
    day = (now or datetime.now(UTC)).date() + timedelta(days=days)
    return day + timedelta(days=1) if (day.month, day.day) == (2, 29) else day


# Where the default enrolment's greetings fall: months from now and from each other, so no
# greeting is due while a test runs, nor within the 30-day contact budget of another, and a
# plan of two years has exactly two of each.
BIRTHDAY_DAYS_AHEAD = 100
ANNIVERSARY_DAYS_AHEAD = 200


def enrolment(**overrides: Any) -> dict[str, Any]:
    suffix = uuid.uuid4().hex[:8]
    birthday = days_ahead(BIRTHDAY_DAYS_AHEAD)
    anniversary = days_ahead(ANNIVERSARY_DAYS_AHEAD)
    body: dict[str, Any] = {
        "external_id": f"ats-{suffix}",
        "full_name": f"Ingrid Okonkwo-{suffix}",
        "email": f"ingrid.{suffix}@example.com",
        "linkedin_url": f"https://www.linkedin.com/in/ingrid-{suffix}",
        "timezone": "Europe/Berlin",
        "country": "DE",
        "birthday": f"1991-{birthday:%m-%d}",
        "current_employer": "Initech",
        "current_title": "Data Engineer",
        "job_started_on": f"2019-{anniversary:%m-%d}",
        "skills": ["python", "spark"],
        "interests": ["data mesh"],
        "location": "Berlin",
        "consent": {"email": True},
        "relationship": {
            "origin": "former_colleague",
            "rapport": "warm",
            "owner": "sam.lee@example.com",
            "owner_role": "employee",
        },
    }
    body.update(overrides)
    return body


async def eventually(
    probe: Callable[[], Awaitable[Any]],
    within: float = 60.0,
    *,
    show: Callable[[], Awaitable[Any]] | None = None,
) -> Any:
    """Poll until `probe` returns something truthy: workflows act asynchronously."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        value = await probe()
        if value:
            return value
        await asyncio.sleep(0.2)
    raise AssertionError(f"nothing within {within}s; last: {await show() if show else None}")
