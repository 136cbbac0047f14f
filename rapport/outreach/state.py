"""A candidate's state as the workflow carries it across continue-as-new, and the facts and
policy it plans from.

Ids, dates, time zones and flags only: this all ends up in Temporal histories, so no names,
addresses or free text from candidates (the emails here are employees' work addresses).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from rapport.vocabulary import (
    Channel,
    EmailStatus,
    Occasion,
    Rapport,
    RelationshipOrigin,
    SenderRole,
    Stage,
    TaskStatus,
)


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
    # Spacing (rapport.outreach.spacing). The defaults switch it off: a workflow started before
    # these rules decodes its policy without them and replays the decisions it recorded; new
    # enrolments get them from the settings. Quiet local days between a greeting and a
    # business touch:
    greeting_quiet_days: int = 0
    # Never two messages to one person on one local day.
    one_touch_per_day: bool = False


@dataclass
class CandidateFacts:
    """What the workflow needs to plan: ids, dates and flags, no contact details."""

    candidate_id: str
    timezone: str
    country: str
    owner_role: SenderRole = SenderRole.HR
    owner: str | None = None
    relationship_origin: RelationshipOrigin = RelationshipOrigin.COLD_OUTREACH
    rapport: Rapport = Rapport.COLD
    birthday: str | None = None  # "MM-DD": the year is personal and stays in PostgreSQL
    job_started_on: str | None = None  # "YYYY-MM-DD"
    enrolled_on: str | None = None  # "YYYY-MM-DD": check-ins are paced from it
    has_email: bool = False
    has_linkedin: bool = False
    has_postal_address: bool = False
    consent: dict[Channel, bool] = field(default_factory=dict)
    opt_outs: list[Channel] = field(default_factory=list)
    greetings_only: bool = False
    # Bounced or complained: email is never tried again until HR changes the address.
    email_status: EmailStatus = EmailStatus.UNKNOWN


@dataclass
class OneOff:
    """A touch that comes from an event, not the calendar: a thank-you, an invitation."""

    occasion: Occasion
    ref_id: str  # the interaction or invitation it answers
    sender_role: SenderRole
    sender: str | None
    not_before: datetime
    deadline: datetime | None = None  # past this, the touch has lost its point


@dataclass
class SentRecord:
    occasion: Occasion
    channel: Channel
    at: datetime


@dataclass
class PlannedTouch:
    occasion: Occasion
    channel: Channel | None
    sender_role: SenderRole
    due_at: datetime
    local_date: str
    summary: str
    idempotency_key: str
    reason: str | None = None  # why it will be skipped, when `skip`
    sender: str | None = None
    # A vacancy touch names its vacancies twice: joined in `ref_id` (and so in the
    # idempotency key, which must never change), and as the list that code reads.
    ref_id: str | None = None
    deadline: datetime | None = None
    assisted: bool = False
    skip: bool = False
    # Empty in touches recorded before the list existed: read it through
    # `rapport.contracts.touches.vacancy_ids_of`.
    vacancy_ids: list[str] = field(default_factory=list)


@dataclass
class HandOver:
    """An interested reply that a person has yet to be asked to follow up."""

    interaction_id: str
    channel: Channel | None = None


@dataclass
class CandidateState:
    """Everything a candidate's workflow knows, carried whole across continue-as-new.

    Fields added later have defaults, so the state of runs recorded before them decodes.
    """

    facts: CandidateFacts
    policy: SchedulePolicy
    stage: Stage = Stage.NURTURING
    # Last milestone date handled per greeting, so a re-plan never repeats one.
    done_through: dict[Occasion, str] = field(default_factory=dict)
    last_check_in_at: datetime | None = None
    pending: list[OneOff] = field(default_factory=list)
    recent: list[SentRecord] = field(default_factory=list)
    unanswered: dict[Channel, int] = field(default_factory=dict)
    # Vacancies already heard of, so a repeated signal never plans a second message.
    vacancies_seen: list[str] = field(default_factory=list)
    touches_made: int = 0
    run_started_at: datetime | None = None
    # The public holidays this candidate's plans use, pinned per country and year
    # ("DE:2027" → ISO dates) when first needed and kept across continue-as-new, so that an
    # upgrade of the holiday library never changes a decision (rapport.outreach.pinned).
    holidays: dict[str, list[str]] = field(default_factory=dict)
    # The touch the workflow is waiting to make, as its status query reports it.
    next_touch: PlannedTouch | None = None
    # The assisted draft being waited for, and how drafts were closed in the inbox.
    waiting_for_task: str | None = None
    task_outcomes: dict[str, TaskStatus] = field(default_factory=dict)
    # An interested reply not yet handed over to a person.
    hand_over: HandOver | None = None
    # Vacancies closed since they were heard of: a draft naming one is withdrawn.
    closed_vacancies: list[str] = field(default_factory=list)
    # Replies read from mail that their owner has yet to classify (interaction ids): while
    # any is here, nothing is planned (a person answers first, as for an interested reply).
    replies_to_classify: list[str] = field(default_factory=list)
    # A `not_now` reply's local day to resume on (YYYY-MM-DD): nothing is planned before it.
    resume_on: str | None = None
    # The candidate workflow's code version this run began with (`workflows.versions`): the
    # changes made up to it are taken without the patch markers older runs need. 0: a run
    # recorded before versions, which asks `workflow.patched` as it always has.
    code_version: int = 0
