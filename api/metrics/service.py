"""Rapport's figures for Prometheus: read from PostgreSQL at scrape time, at most once per
`STATS_TTL_SECONDS` however many scrapers ask, and rendered in the text format."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from prometheus_client import generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.unavailable import is_outage
from rapport.db.repositories import metrics as metrics_repo
from rapport.db.repositories.metrics import TaskCounts, TouchCount
from rapport.vocabulary import Channel, TouchStatus

# A scrape every 15 s (Prometheus's habit) from two servers costs at most one read per 10 s.
STATS_TTL_SECONDS = 10.0
NO_CHANNEL = "none"  # a touch skipped before a channel was chosen


@dataclass(frozen=True)
class Figures:
    touches: list[TouchCount]
    tasks: TaskCounts
    inbound: dict[str, int] | None  # None until there is an inbound table


class FiguresCache:
    """The latest figures, read again once they are older than the TTL; one read at a time,
    and a failed read is not kept (the next scrape tries again)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        ttl: float = STATS_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sessions = sessions
        self.ttl = ttl
        self.clock = clock
        self.reads = 0
        self._figures: Figures | None = None
        self._read_at = float("-inf")
        self._lock = asyncio.Lock()

    async def current(self) -> Figures | None:
        """The figures, or None when PostgreSQL did not answer in time."""
        async with self._lock:
            if self._figures is not None and self.clock() - self._read_at < self.ttl:
                return self._figures
            try:
                async with self.sessions() as session:
                    figures = Figures(
                        touches=await metrics_repo.touch_counts(session),
                        tasks=await metrics_repo.task_counts(session, datetime.now(UTC)),
                        inbound=await metrics_repo.inbound_counts(session),
                    )
            except Exception as err:
                if not is_outage(err):
                    raise
                self._figures = None
                return None
            self.reads += 1
            self._figures, self._read_at = figures, self.clock()
            return figures


class RapportCollector(Collector):
    """Rapport's own gauges, from the figures the route handed it just before rendering."""

    def __init__(self) -> None:
        self.figures: Figures | None = None

    def collect(self) -> Iterator[Metric]:
        figures = self.figures
        yield GaugeMetricFamily(
            "rapport_stats_up",
            "1 when the figures below were read from PostgreSQL; 0 when it did not answer "
            "(they are left out).",
            value=0 if figures is None else 1,
        )
        touches = GaugeMetricFamily(
            "rapport_touches",
            "Touches recorded, by channel (none: skipped before one was chosen) and status.",
            labels=["channel", "status"],
        )
        doubles = GaugeMetricFamily(
            "rapport_touches_possibly_duplicate",
            "Touches sent again after a worker was lost inside the SMTP exchange.",
            labels=["channel", "status"],
        )
        inbound = GaugeMetricFamily(
            "rapport_inbound",
            "Inbound messages by kind (reply, auto_reply, bounce, complaint, unmatched).",
            labels=["kind"],
        )
        tasks_open = GaugeMetricFamily(
            "rapport_tasks_open", "Assisted-send tasks waiting for a person."
        )
        overdue = GaugeMetricFamily(
            "rapport_tasks_overdue",
            "Open tasks past their deadline (their workflow should have fallen back).",
        )
        if figures is not None:
            counts: dict[tuple[str, str], tuple[int, int]] = {
                (channel.value, status.value): (0, 0)
                for channel in Channel
                for status in TouchStatus
            }
            for row in figures.touches:
                counts[(row.channel or NO_CHANNEL, row.status)] = (
                    row.count,
                    row.possibly_duplicate,
                )
            for (channel, status), (count, doubled) in sorted(counts.items()):
                touches.add_metric([channel, status], count)
                doubles.add_metric([channel, status], doubled)
            for kind, count in sorted((figures.inbound or {}).items()):
                inbound.add_metric([kind], count)
            tasks_open.add_metric([], figures.tasks.open)
            overdue.add_metric([], figures.tasks.overdue)
        yield from (touches, doubles, inbound, tasks_open, overdue)


async def exposition(
    registry: CollectorRegistry, collector: RapportCollector, cache: FiguresCache
) -> bytes:
    """The registry in Prometheus's text format, with the figures as of at most a TTL ago."""
    collector.figures = await cache.current()
    return generate_latest(registry)
