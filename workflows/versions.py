"""The candidate workflow's code versions: which changes a run takes, asked without a marker.

A change to workflow code is guarded by `workflow.patched(ID)`: a run recorded before it
replays the old code (its history has no marker), and a new run takes the change by recording a
marker, with the SDK's upsert of `TemporalChangeVersion` beside it: two events in the first
workflow task of every run, for every change, for as long as histories older than the change
must replay.

A run says in its input which code version it began with (`CandidateState.code_version`, set
by the enrolment and by every continue-as-new). A run that began at a version took every change
made up to it from its first event, so it asks nothing: its recorded input answers the same on
every replay. A run of version 0 (recorded before versions) asks `workflow.patched` as before.

Version 1 (2026-12-06) takes every change below, and publishes less:
- its first search attributes are those it was started with, so it upserts only what differs
  (a run of version 0 upserts them all once, and its histories replay that upsert);
- a touch made at once, with no person to wait for, is published after it is made and not
  also before, when the stage and owner shown are current (its status and plan state then
  change once, not twice). That is a touch due when it is planned: one a signal makes due at
  once (a vacancy's with `RAPPORT_VACANCY_BATCH_MINUTES=0`), or one whose moment came while the
  run was busy; a touch the run slept until was published when it went to sleep.

A new change after version 1 takes a new version number and its own `workflow.patched` for runs
that began before it.
"""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from rapport.outreach.state import CandidateState, PlannedTouch

# The version a run begins with from now on.
CODE_VERSION = 1

# The changes, each a `workflow.patched` id for runs of version 0.
# Runs recorded before the holidays were pinned looked them up in workflow code; on replay
# (no marker in their history) they keep doing so, until their next continue-as-new.
HOLIDAYS_PINNED = "holidays-pinned-in-state"
# One-off touches of a candidate who ended or is no longer interested are recorded as dropped,
# not left waiting.
PENDING_NOT_LEFT_WAITING = "pending-one-offs-of-ended-or-uninterested-dropped"
# Runs recorded before the status was stored in PostgreSQL schedule no such activity.
STATUS_STORED = "status-stored-in-postgresql"
# Runs recorded before the plan state was published with the status stored it only when the
# stage or next touch changed; now also when what the planner reads changed.
PLAN_STATE_STORED = "status-carries-the-plan-state"
# A vacancy's draft is withdrawn when any of its vacancies closes, not only all of them.
DRAFTS_WITHDRAWN_ON_ANY_CLOSE = "vacancy-drafts-withdrawn-when-any-of-their-vacancies-closes"
# Fallbacks keep the touch's send window and last moment (rapport.outreach.fallbacks); before
# it, a fallback email went the moment a draft expired, at night or a day late.
FALLBACKS_KEEP_THE_WINDOW = "fallbacks-keep-the-send-window-and-the-touch-s-day"

# Every change above: a run of version 1 or later took them all from its start.
TAKEN_BY_VERSION_1 = frozenset(
    {
        HOLIDAYS_PINNED,
        PENDING_NOT_LEFT_WAITING,
        STATUS_STORED,
        PLAN_STATE_STORED,
        DRAFTS_WITHDRAWN_ON_ANY_CLOSE,
        FALLBACKS_KEEP_THE_WINDOW,
    }
)


def taken(state: CandidateState, change: str) -> bool:
    """Whether this run takes `change`: from its version when it has one, else by
    `workflow.patched` (a marker in a new run's history, the old code on an old replay)."""
    if state.code_version >= 1 and change in TAKEN_BY_VERSION_1:
        return True
    return workflow.patched(change)


def publishes_less(state: CandidateState) -> bool:
    """Version 1's publishing: start from the attributes the run was started with, and do not
    publish a touch that is made at once before making it."""
    return state.code_version >= 1


def published_once_made(
    state: CandidateState,
    touch: PlannedTouch | None,
    now: datetime,
    published: tuple[object, ...] | None,
    stored: tuple[object, ...] | None,
) -> bool:
    """Whether `touch` is published only after it is made (version 1): made at once, with no
    person to wait for, while what the run has published (`published`: stage, owner, next
    touch) and stored (`stored`: stage, next touch, plan state) shows its stage and owner of
    now. A changed stage or owner is published before, as always."""
    return (
        touch is not None
        and touch.due_at <= now
        and not touch.assisted
        and publishes_less(state)
        and published is not None
        and published[:2] == (state.stage, state.facts.owner)
        and stored is not None
        and stored[0] == state.stage
    )
