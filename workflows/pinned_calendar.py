"""The candidate workflow's public holidays: pinned in its state before it plans.

Before each plan the run makes sure its state holds the holidays of the years that plan needs
(this year to the end of the planning horizon, for the candidate's current country), asking
the calendar activity for the ones it lacks: a new year, or a new country after a profile
change. The activity's answer is in the history and the state keeps it across continue-as-new,
so an upgrade of the holiday library never changes a replayed decision
(`rapport.outreach.pinned`).
"""

from __future__ import annotations

from datetime import date, datetime

from temporalio import workflow

from workflows.versions import HOLIDAYS_PINNED, taken

with workflow.unsafe.imports_passed_through():
    import rapport.outreach.pinned as pinned
    import rapport.public_holidays as public_holidays
    import rapport.timeouts as timeouts
    from activities.calendar import CalendarActivities
    from rapport.contracts.calendar import HolidaysFound, HolidaysRequest
    from rapport.outreach.state import CandidateState
    from rapport.outreach.timing import holiday_key


async def pin_holidays(state: CandidateState, now: datetime) -> None:
    """Pin in `state` the holidays a plan from `now` needs and it does not hold yet."""
    years = pinned.missing_years(state, now)
    if not years:
        return
    country = state.facts.country
    if taken(state, HOLIDAYS_PINNED):
        found: HolidaysFound = await workflow.execute_activity_method(
            CalendarActivities.public_holidays,
            HolidaysRequest(country=country, years=years),
            start_to_close_timeout=timeouts.CALENDAR_START_TO_CLOSE,
            retry_policy=timeouts.CALENDAR_RETRY,
            summary=f"public holidays {country} {years[0]}-{years[-1]}",
        )
        pinned.pin(state, years, found.holidays, now)
    else:
        legacy = {
            holiday_key(country, year): [day.isoformat() for day in legacy_lookup(country, year)]
            for year in years
        }
        pinned.pin(state, years, legacy, now)


def legacy_lookup(country: str, year: int) -> frozenset[date]:
    """LEGACY, for unpatched replays only: the library read in workflow code, as runs recorded
    before `HOLIDAYS_PINNED` did (it is what they planned with, so a replay must too).

    `holidays` loads each country lazily and reads the locale for holiday names. Both are
    harmless here (only the dates are used), but the workflow sandbox forbids them, so the
    lookup runs unrestricted, with its imports taken from outside the sandbox.
    """
    with workflow.unsafe.imports_passed_through(), workflow.unsafe.sandbox_unrestricted():
        return public_holidays.library_holidays(country, year)
