"""The workspace's Outcomes figures, each one grouped query in PostgreSQL (never rows to count
in Python, never a workflow): replies, interested replies and hires by channel, occasion,
sender role and relationship over a period; touches per candidate per month; the planned
touches of the coming weeks (from `candidate_status`, what each workflow published); skips by
reason. Every query can be narrowed to one owner's candidates.

Honest figures only: what was sent, what came back, who was hired. Rapport has no opens or
clicks to count, and counts none.

A reply is an `interactions` row of type `replied` (any sentiment, `unclassified` ones read
from a mailbox included); it is put down to the last touch that went out to the candidate
before it (its occasion and sender role; its channel unless the reply names its own). A hire is
a candidate whose stage is `hired`: Rapport keeps no separate hire date, so it is dated by the
last change to the candidate's record and put down to the last touch sent before that.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from rapport.db.models import Candidate, Interaction, PublishedStatus, Touch
from rapport.vocabulary import InteractionType, Sentiment, Stage, TouchStatus

DIMENSIONS = ("channel", "occasion", "sender_role", "relationship")
# A reason's kind is what comes before its details: "contact budget: birthday went out on …".
REASON_KIND_SEPARATOR = ":"
TOP_REASONS = 15


@dataclass(frozen=True)
class Tally:
    """One value of one dimension (None: not known, e.g. a reply before any touch)."""

    dimension: str
    value: str | None
    count: int
    interested: int


@dataclass(frozen=True)
class Month:
    month: datetime
    touches: int
    candidates: int  # reached at least once that month
    most: int  # the most touches any one candidate had that month


@dataclass(frozen=True)
class Week:
    week: datetime  # Monday, 00:00 UTC
    touches: int
    assisted: int  # a person must send them (LinkedIn, a note)


def _owned(query: Select[Any], owner: str | None) -> Select[Any]:
    return query.where(func.lower(Candidate.owner) == owner.lower()) if owner else query


def _touches_of(query: Select[Any], owner: str | None) -> Select[Any]:
    """Touches narrowed to one owner's candidates; everyone's need no join."""
    if not owner:
        return query
    return _owned(query.join(Candidate, Candidate.id == Touch.candidate_id), owner)


def _tallies(events: Any, owner: str | None) -> Select[Any]:
    """`events` (candidate_id, at, channel, interested) by each dimension, in one query: the
    last touch sent to the candidate before each event says which occasion and sender role
    it answers."""
    last = (
        select(Touch.occasion, Touch.channel, Touch.sender_role)
        .where(
            Touch.candidate_id == events.c.candidate_id,
            Touch.status == TouchStatus.SENT,
            Touch.sent_at <= events.c.at,
        )
        .order_by(Touch.sent_at.desc())
        .limit(1)
        .lateral("last_touch")
    )
    columns: dict[str, ColumnElement[Any]] = {
        "channel": func.coalesce(events.c.channel, last.c.channel),
        "occasion": last.c.occasion,
        "sender_role": last.c.sender_role,
        "relationship": Candidate.relationship_origin.expression,
    }
    labelled = [column.label(name) for name, column in columns.items()]
    query = (
        select(
            *labelled,
            *(func.grouping(column).label(f"g_{name}") for name, column in columns.items()),
            func.count().label("n"),
            func.count().filter(events.c.interested).label("interested"),
        )
        .select_from(events)
        .join(Candidate, Candidate.id == events.c.candidate_id)
        .outerjoin(last, true())
        .group_by(func.grouping_sets(*columns.values()))
    )
    return _owned(query, owner)


async def _run_tallies(session: AsyncSession, query: Select[Any]) -> list[Tally]:
    found: list[Tally] = []
    for row in (await session.execute(query)).mappings():
        # grouping(x) is 0 in the rows grouped by x.
        dimension = next(name for name in DIMENSIONS if row[f"g_{name}"] == 0)
        found.append(Tally(dimension, row[dimension], int(row["n"]), int(row["interested"])))
    return sorted(found, key=lambda tally: (tally.dimension, -tally.count, tally.value or ""))


async def replies(
    session: AsyncSession, start: datetime, end: datetime, owner: str | None = None
) -> list[Tally]:
    """Replies received in [start, end), and how many of them were interested."""
    events = (
        select(
            Interaction.candidate_id,
            Interaction.created_at.label("at"),
            Interaction.channel,
            (Interaction.sentiment == Sentiment.INTERESTED).label("interested"),
        )
        .where(
            Interaction.type == InteractionType.REPLIED,
            Interaction.created_at >= start,
            Interaction.created_at < end,
        )
        .subquery("replies")
    )
    return await _run_tallies(session, _tallies(events, owner))


async def hires(
    session: AsyncSession, start: datetime, end: datetime, owner: str | None = None
) -> list[Tally]:
    """Candidates marked hired whose record last changed in [start, end)."""
    events = (
        select(
            Candidate.id.label("candidate_id"),
            Candidate.updated_at.label("at"),
            literal(None).label("channel"),
            literal(False).label("interested"),
        )
        .where(
            Candidate.stage == Stage.HIRED,
            Candidate.updated_at >= start,
            Candidate.updated_at < end,
        )
        .subquery("hires")
    )
    return await _run_tallies(session, _tallies(events, owner))


async def touches_per_month(
    session: AsyncSession, start: datetime, end: datetime, owner: str | None = None
) -> list[Month]:
    """Touches sent in each calendar month (UTC) of the period, to how many candidates."""
    month = func.date_trunc("month", func.timezone("UTC", Touch.sent_at))
    per_candidate = _touches_of(
        select(month.label("month"), Touch.candidate_id, func.count().label("n"))
        .where(Touch.status == TouchStatus.SENT, Touch.sent_at >= start, Touch.sent_at < end)
        .group_by(month, Touch.candidate_id),
        owner,
    ).subquery("per_candidate")
    rows = await session.execute(
        select(
            per_candidate.c.month,
            func.sum(per_candidate.c.n),
            func.count(),
            func.max(per_candidate.c.n),
        )
        .group_by(per_candidate.c.month)
        .order_by(per_candidate.c.month)
    )
    return [Month(when, int(total), int(people), int(most)) for when, total, people, most in rows]


async def upcoming_weeks(
    session: AsyncSession, now: datetime, until: datetime, owner: str | None = None
) -> list[Week]:
    """The next touch each workflow published (not one it plans to skip), by week (UTC).

    Only while the stored stage agrees with the published one: a candidate the API paused or
    closed since its workflow last published has nothing coming."""
    week = func.date_trunc("week", func.timezone("UTC", PublishedStatus.due_at))
    query = _owned(
        select(week, func.count(), func.count().filter(PublishedStatus.assisted))
        .join(Candidate, Candidate.id == PublishedStatus.candidate_id)
        .where(
            PublishedStatus.due_at >= now,
            PublishedStatus.due_at < until,
            PublishedStatus.skip.is_(False),
            Candidate.stage == PublishedStatus.stage,
            Candidate.stage.in_([Stage.NURTURING, Stage.ENGAGED]),
        )
        .group_by(week)
        .order_by(week),
        owner,
    )
    return [Week(when, int(n), int(assisted)) for when, n, assisted in await session.execute(query)]


async def skips_by_reason(
    session: AsyncSession, start: datetime, end: datetime, owner: str | None = None
) -> list[tuple[str, int]]:
    """Touches skipped (due in the period) by the kind of their reason, the most first."""
    kind = func.trim(
        func.split_part(func.coalesce(Touch.reason, "no reason recorded"), REASON_KIND_SEPARATOR, 1)
    )
    query = _touches_of(
        select(kind, func.count())
        .where(Touch.status == TouchStatus.SKIPPED, Touch.due_at >= start, Touch.due_at < end)
        .group_by(kind)
        .order_by(func.count().desc(), kind)
        .limit(TOP_REASONS),
        owner,
    )
    return [(str(reason), int(n)) for reason, n in await session.execute(query)]
