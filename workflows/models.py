"""Typed inputs, outputs and state of the workflows and activities.

They carry ids and scheduling facts, never names, emails, addresses or free text, because
everything here ends up in Temporal histories and the Web UI.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class SchedulePolicy:
    """The company's sending rules, frozen into the workflow so that replays agree."""

    window_start: str = "09:00"
    window_end: str = "17:00"
    send_days: list[int] = field(default_factory=lambda: [0, 1, 2, 3, 4])
    min_days_between_touches: int = 30


@dataclass
class CandidateFacts:
    """What the workflow needs to plan: ids, dates and flags, no contact details."""

    candidate_id: str
    timezone: str
    country: str
    owner_role: str = "hr"
    owner: str | None = None
    relationship_origin: str = "cold_outreach"
    rapport: str = "cold"
    birthday: str | None = None  # "MM-DD": the year is personal and stays in PostgreSQL
    job_started_on: str | None = None  # "YYYY-MM-DD"
    has_email: bool = False
    has_linkedin: bool = False
    has_postal_address: bool = False
    consent: dict[str, bool] = field(default_factory=dict)
    opt_outs: list[str] = field(default_factory=list)


@dataclass
class PlannedTouch:
    occasion: str
    channel: str | None
    sender_role: str
    due_at: datetime
    local_date: str
    summary: str
    idempotency_key: str
    reason: str | None = None  # why no channel fits, when channel is None


@dataclass
class CandidateState:
    facts: CandidateFacts
    policy: SchedulePolicy
    stage: str = "nurturing"
    # Last milestone date handled per occasion, so a re-plan never repeats a greeting.
    done_through: dict[str, str] = field(default_factory=dict)
    touches_made: int = 0
    run_started_at: datetime | None = None


@dataclass
class CandidateInput:
    state: CandidateState


@dataclass
class ProfileUpdated:
    facts: CandidateFacts


@dataclass
class StatusQuery:
    pass


@dataclass
class CandidateStatus:
    candidate_id: str
    stage: str
    next_touch: PlannedTouch | None
    touches_made: int
    done_through: dict[str, str] = field(default_factory=dict)


@dataclass
class SendTouchInput:
    candidate_id: str
    occasion: str
    channel: str | None
    sender_role: str
    due_at: datetime
    local_date: str
    idempotency_key: str
    reason: str | None = None


@dataclass
class SendTouchResult:
    idempotency_key: str
    status: str
    reason: str | None = None
    already_done: bool = False
