"""The calendar activity's request and result: a country's public holidays for some years."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class HolidaysRequest:
    country: str
    years: list[int] = field(default_factory=list)


@dataclass
class HolidaysFound:
    # "DE:2027" → that year's public holidays as ISO dates, for each year asked for.
    holidays: dict[str, list[str]] = field(default_factory=dict)
