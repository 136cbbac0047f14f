"""A candidate's stage and next touch as `GET /api/candidates/{id}` shows them, without waking
the candidate's workflow.

Reading a candidate used to query its live workflow: every read woke the workflow on the
worker (p99 1 s at 32 clients, the worker busy answering reads). Now the workflow stores what
it publishes — its stage and next touch, whenever they change — in PostgreSQL
(`candidate_status`, written by the local activity `activities.status`; a new candidate's
first status by the enrolment itself, with the plan the workflow starts from), and a read is one
primary-key lookup beside the profile's. Why PostgreSQL and not the search attributes the
workflow already upserts: those hold the stage, occasion and time but not the channel, sender
role, sender or skip reason, which only the workflow's own state decides (fatigue, pending
one-offs, recent touches); re-planning them from the stored data would answer a different
touch than the workflow will make, and `describe()` would still cost a Temporal round trip per
read and fail when Temporal is away. The price is one local activity per change of the next
touch (a marker in the history, no task queue round trip).

`status_source` says where the answer came from:

- `published`: the row the workflow stored (the default); current within a workflow task of
  any change, so a read right after a signal may show the status from just before it;
- `workflow`: the live workflow, asked only with `?live=true` (and by the write routes, which
  have just signalled it);
- `plan`: neither answered (a workflow that has not stored a status yet, e.g. one started
  before the table existed, or one restarted whose first task has not run yet; Temporal away
  when live is asked), so the planner's answer from the stored profile alone.

A stage the API closed (opted out, hired, archived) is shown at once, with nothing next.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from api.candidates.schemas import CandidateDetail, TouchPlan
from api.candidates.service import candidate_out, touch_plan
from api.candidates.workflow import CLOSED_STAGES, live_status, next_from_data
from rapport.db.models import Candidate, PublishedStatus
from rapport.db.repositories import statuses as status_repo
from rapport.settings import Settings

Source = Literal["workflow", "published", "plan"]


def published_touch(row: PublishedStatus) -> TouchPlan | None:
    if row.occasion is None or row.due_at is None or row.sender_role is None:
        return None
    return TouchPlan.model_validate(
        {
            "occasion": row.occasion,
            "channel": row.channel,
            "sender_role": row.sender_role,
            "due_at": row.due_at,
            "reason": row.reason,
            "status": "skip" if row.skip else ("assisted" if row.assisted else "automatic"),
            "sender": row.sender,
        }
    )


async def detail(
    session: AsyncSession,
    client: Client,
    settings: Settings,
    candidate: Candidate,
    *,
    live: bool = False,
) -> CandidateDetail:
    """The profile with the stage and next touch: published, live when asked, else planned."""
    # The profile's fields as they are, not dumped and validated again: its relationship was
    # built without re-checking the stored owner's address, and a dump would check it again.
    out = dict(candidate_out(candidate))
    source: Source = "plan"
    touch: TouchPlan | None = None
    status = await live_status(client, candidate) if live else None
    if status is not None:
        out["stage"] = status.stage
        touch = touch_plan(status.next_touch) if status.next_touch else None
        source = "workflow"
    elif candidate.stage in CLOSED_STAGES:
        source = "published"  # outreach has ended: nothing is next, whatever was stored
    elif (row := await status_repo.get_status(session, candidate.id)) is not None and (
        # Every change of stage is written here by the API before its workflow hears of it, so
        # the stored stage is never older than the published one. A published status of
        # another stage is one the workflow has not caught up with yet (a pause, a resume):
        # until it publishes again, the next touch follows from the stored data.
        row.stage == candidate.stage
    ):
        touch = published_touch(row)
        source = "published"
    else:
        planned = next_from_data(candidate, settings)
        touch = touch_plan(planned) if planned else None
    return CandidateDetail(**out, next_touch=touch, status_source=source)
