"""Vacancies' bodies: the vacancy, its counts, its matches."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
)

from api.fields import (
    MAX_LIST_ITEMS,
    Message,
    MultiLine,
    ShortText,
    Tag,
    WebUrl,
)
from rapport.vocabulary import MatchStatus, VacancyStatus


class VacancyBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    external_id: ShortText
    title: ShortText
    description: Annotated[MultiLine, StringConstraints(max_length=10000)] | None = None
    skills: list[Tag] = Field(min_length=1, max_length=MAX_LIST_ITEMS)
    seniority: Literal["junior", "mid", "senior", "staff", "lead", "principal"] | None = None
    location: ShortText | None = None
    remote: bool = False
    hiring_manager: EmailStr | None = None
    owner_message: Message | None = Field(
        default=None, description="A personal line from the hiring manager or owner."
    )
    url: WebUrl | None = None


class VacancyOut(BaseModel):
    id: uuid.UUID
    workflow_id: str
    external_id: str
    title: str
    description: str | None
    skills: list[str]
    seniority: str | None
    location: str | None
    remote: bool
    hiring_manager: str | None
    url: str | None
    status: VacancyStatus
    created_at: datetime
    closed_at: datetime | None
    matched: int = 0
    notified: int = 0
    skipped: int = 0
    replied: int = 0
    cancelled: int = 0
    pending: int = 0
    skipped_reasons: dict[str, int] = Field(default_factory=dict)
    fanned_out: bool | None = Field(
        default=None, description="Whether every candidate has been considered (live)."
    )


class MatchOut(BaseModel):
    candidate_id: uuid.UUID
    full_name: str
    current_title: str | None
    owner: str | None
    score: float
    reasons: list[str]
    status: MatchStatus
    reason: str | None


class MatchList(BaseModel):
    items: list[MatchOut]
    next_cursor: str | None
