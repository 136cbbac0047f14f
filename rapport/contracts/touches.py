"""The inputs and results of the touch activities: deliver, open and close a task."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rapport.vocabulary import Channel, Occasion, SenderRole, TaskStatus, TouchStatus


@dataclass
class SendTouchInput:
    candidate_id: str
    occasion: Occasion
    channel: Channel | None
    sender_role: SenderRole
    due_at: datetime
    local_date: str
    idempotency_key: str
    reason: str | None = None
    sender: str | None = None
    ref_id: str | None = None


@dataclass
class SendTouchResult:
    idempotency_key: str
    status: TouchStatus
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
    # awaiting_owner (a new draft) or open, else how the draft ended, or skipped/failed when
    # no draft could be made
    status: TouchStatus | TaskStatus
    reason: str | None = None
    candidate_gone: bool = False


@dataclass
class CloseTaskInput:
    task_id: str
    status: TaskStatus  # expired | cancelled
    reason: str
    # Cancelled because a vacancy it names closed: the others it names are planned again.
    vacancy_closed: bool = False


@dataclass
class CloseTaskResult:
    outcome: TaskStatus  # sent | skipped | expired | cancelled: what the task ended as


@dataclass
class EngagedInput:
    candidate_id: str
    interaction_id: str
    owner: str | None
    occasion: Occasion | None
    channel: Channel | None
