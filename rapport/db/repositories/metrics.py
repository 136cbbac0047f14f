"""What the API's `/metrics` reports from PostgreSQL: aggregate counts only, never a row.

Each call is one grouped query; the API caches the answers for a few seconds, so a scrape
costs at most these queries however often Prometheus (or several of them) asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from rapport.db.models import Task, Touch
from rapport.db.repositories import inbound as inbound_repo


@dataclass(frozen=True)
class TouchCount:
    channel: str | None  # None: skipped before any channel was chosen
    status: str
    count: int
    possibly_duplicate: int


@dataclass(frozen=True)
class TaskCounts:
    open: int
    overdue: int  # open past its deadline: its workflow should have fallen back by now


async def touch_counts(session: AsyncSession) -> list[TouchCount]:
    """Touches by channel and status, with how many of them may have gone out twice."""
    rows = await session.execute(
        select(
            Touch.channel,
            Touch.status,
            func.count(),
            func.count().filter(Touch.possibly_duplicate),
        ).group_by(Touch.channel, Touch.status)
    )
    return [TouchCount(channel, status, count, doubles) for channel, status, count, doubles in rows]


async def task_counts(session: AsyncSession, now: datetime) -> TaskCounts:
    """Assisted-send tasks still open, and those of them past their deadline at `now`."""
    row = (
        await session.execute(
            select(func.count(), func.count().filter(Task.due_at < now)).where(
                Task.status == "open"
            )
        )
    ).one()
    return TaskCounts(open=row[0], overdue=row[1])


async def inbound_counts(session: AsyncSession) -> dict[str, int] | None:
    """Messages that came back, by inbound kind (`reply`, `auto_reply`, `bounce`,
    `complaint`, `unmatched`)."""
    return await inbound_repo.count_by_kind(session)
