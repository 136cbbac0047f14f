"""Outcomes: what outreach brought, over a period chosen by its first and last day (UTC; the
last 90 days unless asked): replies, interested replies and hires by channel, occasion, sender
role and relationship; touches per candidate per month; skips by reason; and the load of the
coming weeks from the next touch each workflow published (never by asking a workflow).

Honest figures only: what was sent and what came back; Rapport counts no opens or clicks. Each
chart is server-side SVG with its numbers in a table beside it. An owner (a CEO too) sees their
own candidates' figures; HR, admins and viewers everyone's. A period that is not one is
answered 422 with the field named beside it, and no figures."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status

from api.app import charts
from api.app import outcomes as outcome_service
from api.app.access import Viewer
from api.app.render import label, page
from api.deps import SessionDep

router = APIRouter(prefix="/outcomes")
DEFAULT_DAYS = 90
LONGEST_DAYS = 3 * 366
DIMENSION_TITLES = {
    "channel": "channel",
    "occasion": "occasion",
    "sender_role": "sender role",
    "relationship": "relationship",
}
UNKNOWN = "not known"


def parse_day(value: str | None, name: str, default: date) -> tuple[date, str | None]:
    if not value:
        return default, None
    try:
        return date.fromisoformat(value.strip()), None
    except ValueError:
        return default, f"{name}: not a date (YYYY-MM-DD)"


def period(
    first_text: str | None, last_text: str | None, today: date
) -> tuple[date, date, dict[str, str]]:
    """The period asked for, and the fields' problems (none: the figures can be drawn)."""
    last, last_problem = parse_day(last_text, "to", today)
    first, first_problem = parse_day(first_text, "from", last - timedelta(days=DEFAULT_DAYS))
    errors = {k: v for k, v in (("from", first_problem), ("to", last_problem)) if v}
    if not errors and first > last:
        errors["to"] = "to: must not be before from"
    elif not errors and (last - first).days > LONGEST_DAYS:
        errors["from"] = f"from: a period is at most {LONGEST_DAYS} days"
    return first, last, errors


def dimension_charts(figures: outcome_service.Figures) -> dict[str, charts.Chart]:
    drawn = {}
    for dimension, rows in figures.by_dimension.items():
        if rows:
            drawn[dimension] = charts.bars(
                f"Replies, interested replies and hires by {DIMENSION_TITLES[dimension]}",
                [label(row.value) if row.value else UNKNOWN for row in rows],
                {
                    "Replies": [row.replies for row in rows],
                    "Interested": [row.interested for row in rows],
                    "Hires": [row.hires for row in rows],
                },
            )
    return drawn


def other_charts(figures: outcome_service.Figures) -> dict[str, charts.Chart]:
    drawn = {}
    if figures.months:
        drawn["months"] = charts.bars(
            "Touches sent and candidates reached, by month",
            [f"{m.month:%Y-%m}" for m in figures.months],
            {
                "Touches sent": [m.touches for m in figures.months],
                "Candidates reached": [m.candidates for m in figures.months],
            },
            horizontal=False,
        )
    if figures.weeks:
        drawn["weeks"] = charts.bars(
            "Planned touches by week: sent by Rapport, or by a person",
            [f"{w.week:%Y-%m-%d}" for w in figures.weeks],
            {
                "Sent by Rapport": [w.touches - w.assisted for w in figures.weeks],
                "A person sends": [w.assisted for w in figures.weeks],
            },
            horizontal=False,
            stacked=True,
        )
    if figures.skips:
        drawn["skips"] = charts.bars(
            "Touches skipped, by reason",
            [reason for reason, _ in figures.skips],
            {"Skipped": [count for _, count in figures.skips]},
        )
    return drawn


@router.get("")
async def outcomes(
    request: Request,
    principal: Viewer,
    session: SessionDep,
    start: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=40)] = None,
) -> Response:
    now = datetime.now(UTC)
    first, last, errors = period(start, end, now.date())
    context: dict[str, Any] = {
        "title": "Outcomes",
        "values": {"from": start or first.isoformat(), "to": end or last.isoformat()},
        "errors": errors,
        "first": first,
        "last": last,
        "dimension_titles": DIMENSION_TITLES,
        "unknown": UNKNOWN,
        "weeks_ahead": outcome_service.UPCOMING_WEEKS,
    }
    if errors:
        code = status.HTTP_422_UNPROCESSABLE_CONTENT
        return page(request, "outcomes.html", context, status_code=code)
    figures, as_of = await request.app.state.outcomes.figures(
        session, first, last, principal.owner_filter(None)
    )
    context.update(
        figures=figures,
        as_of=as_of,
        figures_ttl=round(outcome_service.FIGURES_TTL_SECONDS),
        dimension_charts=dimension_charts(figures),
        charts=other_charts(figures),
    )
    return page(request, "outcomes.html", context)
