"""Public holidays from the `holidays` library, for code outside workflows: the calendar
activity, the API's plan, tests.

Workflow code never calls this for a new run: a run pins what the library says in its state,
through the calendar activity (`rapport.outreach.pinned`), so that a library upgrade cannot
change a replayed decision. The one exception is the legacy lookup for runs recorded before
that (`workflows.pinned_calendar`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays

from rapport.outreach import pinned, planning
from rapport.outreach.state import CandidateState
from rapport.outreach.timing import holiday_key


@lru_cache(maxsize=512)
def library_holidays(country: str, year: int) -> frozenset[date]:
    """The country's public holidays in `year`; a country the library does not know has none."""
    try:
        return frozenset(holidays.country_holidays(country, years=year).keys())
    except NotImplementedError:
        return frozenset()


def holidays_for(country: str, years: Iterable[int]) -> dict[str, list[str]]:
    """The pinned form (`holiday_key` → sorted ISO dates) of the country's years."""
    return {
        holiday_key(country, year): sorted(
            day.isoformat() for day in library_holidays(country, year)
        )
        for year in years
    }


def with_library_holidays(
    state: CandidateState, now: datetime, horizon: timedelta = planning.DEFAULT_HORIZON
) -> CandidateState:
    """A copy of `state` with the years a plan from `now` over `horizon` needs pinned from the
    library, for planning outside a workflow (the original is left as it is, e.g. a
    workflow's input)."""
    planned = dataclasses.replace(state, holidays=dict(state.holidays))
    years = pinned.missing_years(planned, now, max(horizon, planning.DEFAULT_HORIZON))
    if years:
        pinned.pin(planned, years, holidays_for(planned.facts.country, years), now)
    return planned
