"""The inputs and results of the touch activities: deliver, open and close a task."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

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
    # The vacancies a vacancy touch is about; empty before the list existed (vacancy_ids_of).
    vacancy_ids: list[str] = field(default_factory=list)


class NamesVacancies(Protocol):
    """A planned touch or a touch's input: whatever may name vacancies."""

    @property
    def occasion(self) -> Occasion: ...
    @property
    def ref_id(self) -> str | None: ...
    @property
    def vacancy_ids(self) -> list[str]: ...


def vacancy_ids_of(touch: NamesVacancies) -> list[str]:
    """The vacancies a touch is about (none unless it is a vacancy touch).

    The legacy path, and the only one: a touch planned or an input recorded before
    `vacancy_ids` existed has it empty (old histories, state carried across continue-as-new,
    an activity scheduled by an older worker), and names its vacancies only in `ref_id`,
    joined with commas; that is read here and nowhere else."""
    if touch.occasion != Occasion.VACANCY:
        return []
    if touch.vacancy_ids:
        return list(touch.vacancy_ids)
    return [part for part in (touch.ref_id or "").split(",") if part]


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
