"""What the Outcomes page shows, gathered from rapport/db/repositories/outcomes.py (every figure
one grouped query): over a period, replies, interested replies and hires by channel, occasion,
sender role and relationship; touches per candidate per month; skips by reason; and the touches
planned for the coming weeks. An owner's figures are their own candidates' only.

The figures of a period are kept for FIGURES_TTL_SECONDS by each API process (OutcomesCache,
the page says as of when): five grouped queries over every touch, reply and published status
were a quarter of a second of PostgreSQL at 10,000 candidates, for figures that move by the day.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from rapport.db.repositories import outcomes as outcome_repo
from rapport.db.repositories.outcomes import DIMENSIONS, Month, Tally, Week

__all__ = ["DIMENSIONS", "Figures", "Month", "OutcomesCache", "Row", "Week", "gather"]
UPCOMING_WEEKS = 12
FIGURES_TTL_SECONDS = 30.0
CACHED_PERIODS = 64


@dataclass(frozen=True)
class Row:
    value: str | None
    replies: int
    interested: int
    hires: int


@dataclass(frozen=True)
class Figures:
    by_dimension: dict[str, list[Row]]
    replies: int
    interested: int
    hires: int
    months: list[Month]
    weeks: list[Week]
    skips: list[tuple[str, int]]


def merged(replies: list[Tally], hires: list[Tally]) -> dict[str, list[Row]]:
    """One table per dimension: each value's replies, interested replies and hires."""
    tables: dict[str, list[Row]] = {}
    for dimension in DIMENSIONS:
        said = {t.value: t for t in replies if t.dimension == dimension}
        hired = {t.value: t.count for t in hires if t.dimension == dimension}
        values = list(dict.fromkeys([*said, *hired]))
        rows = [
            Row(
                value,
                said[value].count if value in said else 0,
                said[value].interested if value in said else 0,
                hired.get(value, 0),
            )
            for value in values
        ]
        tables[dimension] = sorted(
            rows, key=lambda row: (-row.replies, -row.hires, row.value or "")
        )
    return tables


def utc_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


async def gather(
    session: AsyncSession, first: date, last: date, owner: str | None, now: datetime
) -> Figures:
    """The figures of the days `first` to `last` (both included, UTC), and the coming weeks."""
    start, end = utc_midnight(first), utc_midnight(last + timedelta(days=1))
    replies = await outcome_repo.replies(session, start, end, owner)
    hires = await outcome_repo.hires(session, start, end, owner)
    # Every reply and hire is in each dimension's grouping once: count them from one.
    return Figures(
        by_dimension=merged(replies, hires),
        replies=sum(t.count for t in replies if t.dimension == "relationship"),
        interested=sum(t.interested for t in replies if t.dimension == "relationship"),
        hires=sum(t.count for t in hires if t.dimension == "relationship"),
        months=await outcome_repo.touches_per_month(session, start, end, owner),
        weeks=await outcome_repo.upcoming_weeks(
            session, now, now + timedelta(weeks=UPCOMING_WEEKS), owner
        ),
        skips=await outcome_repo.skips_by_reason(session, start, end, owner),
    )


Key = tuple[date, date, str | None]


class OutcomesCache:
    """The figures of each (period, owner) as gathered at most `ttl` seconds ago, with when;
    one gathering at a time, the least recently used period forgotten past `size`."""

    def __init__(
        self,
        ttl: float = FIGURES_TTL_SECONDS,
        size: int = CACHED_PERIODS,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.ttl = timedelta(seconds=ttl)
        self.size = size
        self.clock = clock
        self.gathered = 0
        self._kept: OrderedDict[Key, tuple[datetime, Figures]] = OrderedDict()
        self._lock = asyncio.Lock()

    async def figures(
        self, session: AsyncSession, first: date, last: date, owner: str | None
    ) -> tuple[Figures, datetime]:
        key = (first, last, owner.lower() if owner else None)
        async with self._lock:
            now = self.clock()
            kept = self._kept.get(key)
            if kept is not None and now - kept[0] < self.ttl:
                self._kept.move_to_end(key)
                return kept[1], kept[0]
            found = await gather(session, first, last, owner, now)
            self.gathered += 1
            self._kept[key] = (now, found)
            self._kept.move_to_end(key)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
            return found, now
