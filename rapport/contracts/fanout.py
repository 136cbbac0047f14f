"""A vacancy's or campaign's fan-out: its state, and the inputs and results of its pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rapport.vocabulary import MatchStatus, SenderRole


@dataclass
class Recipient:
    """One candidate a fan-out reaches, and what to tell their workflow."""

    candidate_id: str
    ref_id: str  # the vacancy, or this candidate's invitation of a campaign
    sender_role: SenderRole
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
    status: MatchStatus
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
