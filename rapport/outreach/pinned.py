"""The public holidays a candidate's plans use, pinned in its state.

Holiday data comes from a library whose answers change between versions (a holiday added, a
date moved). Read while planning inside a workflow, an upgrade would change what a replay
computes. So the planner reads only `CandidateState.holidays`, and whoever plans first pins the
years the plan needs: the workflow through an activity (its result is in the history, and the
state carries it across continue-as-new), the API and other callers outside a workflow from
the library directly. A year once pinned is never read again; an upgrade only reaches the
years nobody has pinned yet.

Pure: which years a plan needs, and how an answer for them goes into the state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from rapport.outreach.planning import DEFAULT_HORIZON
from rapport.outreach.state import CandidateState
from rapport.outreach.timing import holiday_key, zone
from rapport.vocabulary import Stage


def years_needed(
    state: CandidateState, now: datetime, horizon: timedelta = DEFAULT_HORIZON
) -> list[int]:
    """The years, local to the candidate, that a plan from `now` looks at: this one to the
    one its horizon ends in (a slot the holidays push past the horizon is not planned)."""
    tz = zone(state.facts.timezone)
    first = now.astimezone(tz).year
    last = (now + horizon).astimezone(tz).year
    return list(range(first, last + 1))


def missing_years(
    state: CandidateState, now: datetime, horizon: timedelta = DEFAULT_HORIZON
) -> list[int]:
    """The years a plan from `now` needs that are not pinned for the candidate's country.

    None while the candidate is not nurtured: no plan is made, so nothing is fetched.
    """
    if state.stage != Stage.NURTURING.value:
        return []
    country = state.facts.country
    return [
        year
        for year in years_needed(state, now, horizon)
        if holiday_key(country, year) not in state.holidays
    ]


def pin(
    state: CandidateState,
    years: Sequence[int],
    found: Mapping[str, Sequence[str]],
    now: datetime,
) -> None:
    """Pin `found` (`holiday_key` → ISO dates) for `years` of the candidate's country.

    A requested year missing from `found` is pinned with no holidays, so it is not asked for
    again. Years before this one and other countries (the candidate moved) are dropped: no
    plan from now on reads them, and the state stays small.
    """
    country = state.facts.country
    first = years_needed(state, now)[0]
    kept = {
        key: days
        for key, days in state.holidays.items()
        if key.startswith(f"{country}:") and int(key.rpartition(":")[2]) >= first
    }
    for year in years:
        key = holiday_key(country, year)
        kept[key] = sorted(found.get(key, ()))
    state.holidays = dict(sorted(kept.items()))
