"""Typed inputs, outputs and state of the workflows and activities.

They carry ids and scheduling facts, never names, emails, addresses or free text from
candidates, because everything here ends up in Temporal histories and the Web UI. (The email
addresses here are those of employees who own relationships, which operators need to see.)
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
    # How long a person has to act on an assisted draft before Rapport falls back.
    task_deadline_days: int = 3
    # Handwritten notes go out through a provider (automated) instead of as a task.
    note_provider: bool = False
    # After this many touches in a row with no reply on one channel, prefer another.
    fatigue_after: int = 3
    # A vacancy waits this long for others matched at the same time, to mention them together.
    vacancy_batch_seconds: int = 600


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
    enrolled_on: str | None = None  # "YYYY-MM-DD": check-ins are paced from it
    has_email: bool = False
    has_linkedin: bool = False
    has_postal_address: bool = False
    consent: dict[str, bool] = field(default_factory=dict)
    opt_outs: list[str] = field(default_factory=list)
    greetings_only: bool = False


@dataclass
class OneOff:
    """A touch that comes from an event, not the calendar: a thank-you, an invitation."""

    occasion: str
    ref_id: str  # the interaction or invitation it answers
    sender_role: str
    sender: str | None
    not_before: datetime
    deadline: datetime | None = None  # past this, the touch has lost its point


@dataclass
class SentRecord:
    occasion: str
    channel: str
    at: datetime


@dataclass
class PlannedTouch:
    occasion: str
    channel: str | None
    sender_role: str
    due_at: datetime
    local_date: str
    summary: str
    idempotency_key: str
    reason: str | None = None  # why it will be skipped, when `skip`
    sender: str | None = None
    ref_id: str | None = None
    deadline: datetime | None = None
    assisted: bool = False
    skip: bool = False


@dataclass
class CandidateState:
    facts: CandidateFacts
    policy: SchedulePolicy
    stage: str = "nurturing"
    # Last milestone date handled per greeting, so a re-plan never repeats one.
    done_through: dict[str, str] = field(default_factory=dict)
    last_check_in_at: datetime | None = None
    pending: list[OneOff] = field(default_factory=list)
    recent: list[SentRecord] = field(default_factory=list)
    unanswered: dict[str, int] = field(default_factory=dict)
    # Vacancies already heard of, so a repeated signal never plans a second message.
    vacancies_seen: list[str] = field(default_factory=list)
    touches_made: int = 0
    run_started_at: datetime | None = None


@dataclass
class CandidateInput:
    state: CandidateState


@dataclass
class ProfileUpdated:
    facts: CandidateFacts


@dataclass
class MetInPerson:
    interaction_id: str
    met_on: str  # YYYY-MM-DD, local to the candidate
    rapport: str
    met_by: str | None = None  # email of the employee who met them
    met_by_role: str = "employee"


@dataclass
class Replied:
    interaction_id: str
    sentiment: str  # interested | not_now | not_interested
    channel: str | None = None


@dataclass
class OptedOut:
    channels: list[str] = field(default_factory=list)  # empty: every channel


@dataclass
class InvitationReceived:
    invitation_id: str
    sender_role: str
    sender: str | None = None
    # When the event starts: an invitation that would arrive later is not sent.
    deadline: datetime | None = None


@dataclass
class StageChange:
    stage: str  # nurturing (resume) | paused | hired | archived


@dataclass
class TaskClosed:
    task_id: str
    outcome: str  # sent | skipped


@dataclass
class StatusQuery:
    pass


@dataclass
class PlanQuery:
    days: int = 365


@dataclass
class CandidateStatus:
    candidate_id: str
    stage: str
    next_touch: PlannedTouch | None
    touches_made: int
    done_through: dict[str, str] = field(default_factory=dict)
    waiting_for_task: str | None = None


@dataclass
class Plan:
    items: list[PlannedTouch]


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
    sender: str | None = None
    ref_id: str | None = None


@dataclass
class SendTouchResult:
    idempotency_key: str
    status: str
    reason: str | None = None
    already_done: bool = False
    candidate_gone: bool = False


@dataclass
class OpenTaskInput:
    touch: SendTouchInput
    deadline: datetime


@dataclass
class OpenTaskResult:
    task_id: str | None
    status: str  # awaiting_owner, or skipped/failed when no draft could be made
    reason: str | None = None
    candidate_gone: bool = False


@dataclass
class CloseTaskInput:
    task_id: str
    status: str  # expired | cancelled
    reason: str
    # Cancelled because a vacancy it names closed: the others it names are planned again.
    vacancy_closed: bool = False


@dataclass
class CloseTaskResult:
    outcome: str  # sent | skipped | expired | cancelled: what the task ended as


@dataclass
class EngagedInput:
    candidate_id: str
    interaction_id: str
    owner: str | None
    occasion: str | None
    channel: str | None


@dataclass
class VacancyOpened:
    vacancy_id: str
    sender_role: str
    sender: str | None = None


@dataclass
class VacancyClosed:
    vacancy_id: str


@dataclass
class Recipient:
    """One candidate a fan-out reaches, and what to tell their workflow."""

    candidate_id: str
    ref_id: str  # the vacancy, or this candidate's invitation of a campaign
    sender_role: str
    sender: str | None = None
    deadline: datetime | None = None  # a campaign's event start


@dataclass
class MatchPageInput:
    kind: str  # vacancy | campaign
    target_id: str
    after: str | None
    limit: int


@dataclass
class MatchPage:
    recipients: list[Recipient]
    next_cursor: str | None
    scanned: int


@dataclass
class MarkMatchesInput:
    vacancy_id: str
    candidate_ids: list[str]
    status: str
    reason: str


@dataclass
class CloseMatchesResult:
    candidate_ids: list[str]


@dataclass
class CloseMatchesInput:
    vacancy_id: str
    # A page of the candidates to tell, in candidate-id order after `after`.
    after: str | None = None
    limit: int | None = None


@dataclass
class OwnerDigestInput:
    """The daily digest run; its day is today in this time zone, when the run starts."""

    timezone: str = "UTC"


@dataclass
class OwnerDigestRequest:
    day: str


@dataclass
class OwnerDigestResult:
    day: str
    owners: int = 0
    candidates: int = 0
    # Owners who already had today's digest: their newer matches wait for tomorrow's.
    held_back: int = 0
    # Owners whose mail server refused the digest for good.
    refused: int = 0


@dataclass
class FanOutState:
    """A vacancy's or campaign's fan-out, carried across continue-as-new."""

    kind: str
    target_id: str
    page_size: int = 100
    concurrency: int = 20
    cursor: str | None = None
    scanned: int = 0
    matched: int = 0
    signalled: int = 0
    unreachable: int = 0
    fanned_out: bool = False
    closed: bool = False
    close_cursor: str | None = None
    cancelled: int = 0


@dataclass
class FanOutInput:
    state: FanOutState


@dataclass
class CloseVacancy:
    pass


@dataclass
class FanOutStatusQuery:
    pass
