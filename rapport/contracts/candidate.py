"""What crosses into and out of a candidate's workflow: its input, signals and queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from rapport.outreach.state import CandidateFacts, CandidateState, PlannedTouch
from rapport.vocabulary import Channel, Occasion, Rapport, SenderRole, Sentiment, Stage, TaskStatus


@dataclass
class CandidateInput:
    state: CandidateState
    # The enrolment that starts the run has stored the status its state implies (its stage,
    # `state.next_touch` and plan state): the run stores its status when it differs from that.
    status_stored: bool = False


@dataclass
class ProfileUpdated:
    facts: CandidateFacts


@dataclass
class MetInPerson:
    interaction_id: str
    met_on: str  # YYYY-MM-DD, local to the candidate
    rapport: Rapport
    met_by: str | None = None  # email of the employee who met them
    met_by_role: SenderRole = SenderRole.EMPLOYEE


@dataclass
class Replied:
    interaction_id: str
    # `unclassified`: a reply read from mail, held until its owner says what it meant.
    sentiment: Sentiment
    channel: Channel | None = None
    # For `not_now`: no touch before this local day (YYYY-MM-DD).
    resume_on: str | None = None


@dataclass
class AutoReplied:
    """An automatic reply (out of office) answered a touch on `channel`: that touch does not
    count as silence for channel fatigue."""

    channel: Channel


@dataclass
class OptedOut:
    channels: list[Channel] = field(default_factory=list)  # empty: every channel


@dataclass
class InvitationReceived:
    invitation_id: str
    sender_role: SenderRole
    sender: str | None = None
    # When the event starts: an invitation that would arrive later is not sent.
    deadline: datetime | None = None


@dataclass
class StageChange:
    stage: Stage  # nurturing (resume) | paused | hired | archived


@dataclass
class TaskClosed:
    task_id: str
    outcome: TaskStatus  # sent | skipped


@dataclass
class StatusQuery:
    pass


@dataclass
class PlanQuery:
    days: int = 365


@dataclass
class CandidateStatus:
    candidate_id: str
    stage: Stage
    next_touch: PlannedTouch | None
    touches_made: int
    done_through: dict[Occasion, str] = field(default_factory=dict)
    waiting_for_task: str | None = None


@dataclass
class Plan:
    items: list[PlannedTouch]


@dataclass
class VacancyOpened:
    vacancy_id: str
    sender_role: SenderRole
    sender: str | None = None


@dataclass
class VacancyClosed:
    vacancy_id: str
