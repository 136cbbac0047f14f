"""What a candidate's workflow publishes about itself for PostgreSQL: its stage and next touch,
and the state its planner reads (rapport.plan_state)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rapport.outreach.state import PlannedTouch
from rapport.vocabulary import Stage


@dataclass
class StatusToStore:
    candidate_id: str
    stage: Stage
    next_touch: PlannedTouch | None
    published_at: datetime  # the workflow's clock: orders the writes
    # rapport.plan_state's JSON text; None from runs recorded before it was published.
    plan_state: str | None = None
