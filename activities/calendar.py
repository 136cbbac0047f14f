"""The calendar activity: a country's public holidays, read from the `holidays` library once
per year a candidate's run plans in, and then pinned in its state (`rapport.outreach.pinned`).

Read here rather than in workflow code, the answer is recorded in the history: a replay reads
it back, whatever version of the library the worker has by then.
"""

from __future__ import annotations

import asyncio

from temporalio import activity

from rapport.contracts.calendar import HolidaysFound, HolidaysRequest
from rapport.public_holidays import holidays_for


class CalendarActivities:
    @activity.defn(name="public_holidays")
    async def public_holidays(self, request: HolidaysRequest) -> HolidaysFound:
        # The library loads a country's module on first use: off the event loop.
        found = await asyncio.to_thread(holidays_for, request.country, request.years)
        return HolidaysFound(holidays=found)
