"""When a touch's fallback may go, after the person it was drafted for did not act.

A fallback keeps the rules of the touch it stands in for:
- An automated fallback (an email) goes inside the candidate's local send window, as every
  send does: now if the window is open, else when it next opens (a greeting on its own day,
  whatever the weekday; any other touch on the next working day, holidays skipped).
- A greeting belongs to its day: once that day's window has closed, its fallback does not go.
  A touch with its own deadline (a thank-you within 14 days of the meeting) likewise never
  goes past it.
- A fallback draft gives its person as long as the first one did, but never past the touch's
  last moment.
- A fallback that waits for its window is withdrawn by what the planner would stop for: a
  change of stage, a reply waiting to be classified, a "not interested" (greetings only), a
  "not now".

Pure: `now` is passed in, holidays are the ones pinned in the state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from rapport.outreach.policy import CELEBRATIONS
from rapport.outreach.state import CandidateState, PlannedTouch
from rapport.outreach.timing import (
    Window,
    greeting_due,
    local_instant,
    next_slot,
    pinned_holidays,
    zone,
)
from rapport.vocabulary import Stage


@dataclass(frozen=True)
class Moment:
    """When a fallback goes (or, for a draft, until when its person has), or why it cannot."""

    at: datetime | None
    reason: str | None = None


def last_moment(state: CandidateState, touch: PlannedTouch) -> datetime | None:
    """Past this instant the touch has lost its point (None: it keeps it)."""
    window = Window.of(state.policy)
    tz = zone(state.facts.timezone)
    if touch.occasion in CELEBRATIONS:
        return local_instant(date.fromisoformat(touch.local_date), window.end, tz)
    for one_off in state.pending:
        if one_off.ref_id == touch.ref_id and one_off.occasion == touch.occasion:
            return one_off.deadline
    return None


def withdrawn(state: CandidateState, touch: PlannedTouch) -> str | None:
    """Why a fallback waiting for its window may no longer go (None: it may): what a reply or
    a change of stage said while it waited, as the planner would have it."""
    if state.stage != Stage.NURTURING:
        return f"stage is {state.stage}"
    if state.replies_to_classify:
        return "a reply waits to be classified"
    if state.facts.greetings_only and touch.occasion not in CELEBRATIONS:
        return "not interested: greetings only"
    if state.resume_on:
        return f"not now: resumes on {state.resume_on}"
    return None


def _missed(last: datetime) -> str:
    return f"missed its moment: due by {last:%Y-%m-%d %H:%M}Z"


def send_moment(state: CandidateState, touch: PlannedTouch, now: datetime) -> Moment:
    """When an automated fallback of `touch` may be sent, from `now` on."""
    window = Window.of(state.policy)
    tz = zone(state.facts.timezone)
    last = last_moment(state, touch)
    if touch.occasion in CELEBRATIONS:
        at = greeting_due(now, tz, date.fromisoformat(touch.local_date), window)
    else:
        holidays = pinned_holidays(state.holidays)
        at = next_slot(now, tz, window, state.policy, state.facts.country, holidays)
    if at is None or (last is not None and at > last):
        assert last is not None  # greeting_due is None only once the day's window closed
        return Moment(at=None, reason=_missed(last))
    return Moment(at=at)


def draft_deadline(
    state: CandidateState, touch: PlannedTouch, now: datetime, first_deadline: datetime
) -> Moment:
    """Until when a fallback draft of `touch`, opened `now`, waits for its person."""
    deadline = now + (first_deadline - touch.due_at)
    last = last_moment(state, touch)
    if last is not None:
        if last <= now:
            return Moment(at=None, reason=_missed(last))
        deadline = min(deadline, last)
    return Moment(at=deadline)
