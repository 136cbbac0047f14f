"""What the HTTP tests and the benchmarks send to the API and how they wait for its answers:
enrolment bodies, places where a send may go now, and polling."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
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


def country_without_holiday(day: date) -> str:
    """A country for which `day` is not a public holiday, so a send may go today."""
    for country in ("DE", "GB", "US", "JP", "BR", "IN", "FR", "CA"):
        if day not in library_holidays(country, day.year):
            return country
    raise AssertionError(f"{day} is a holiday everywhere we looked")


def enrolment(**overrides: Any) -> dict[str, Any]:
    suffix = uuid.uuid4().hex[:8]
    body: dict[str, Any] = {
        "external_id": f"ats-{suffix}",
        "full_name": f"Ingrid Okonkwo-{suffix}",
        "email": f"ingrid.{suffix}@example.com",
        "linkedin_url": f"https://www.linkedin.com/in/ingrid-{suffix}",
        "timezone": "Europe/Berlin",
        "country": "DE",
        "birthday": "1991-06-15",
        "current_employer": "Initech",
        "current_title": "Data Engineer",
        "job_started_on": "2021-10-04",
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
