"""Campaigns' bodies: the invitation, the segment it goes to, how many it invited."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
)

from api.fields import (
    MAX_LIST_ITEMS,
    EventStart,
    Message,
    ShortText,
    Tag,
    WebUrl,
)
from rapport.vocabulary import (
    Rapport,
    RelationshipOrigin,
)


class Segment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    skills: list[Tag] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)
    interests: list[Tag] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)
    location: ShortText | None = None
    origins: list[RelationshipOrigin] = Field(default_factory=list)
    rapports: list[Rapport] = Field(default_factory=list)


class CampaignBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    external_id: ShortText | None = Field(
        default=None, description="Your id for it: posting it again answers the same campaign."
    )
    name: ShortText
    kind: Literal["webinar", "event"]
    sender_role: Literal["marketing", "ceo", "hr"] = "marketing"
    sender: EmailStr | None = None
    title: ShortText
    url: WebUrl | None = None
    starts_at: EventStart | None = None
    message: Message | None = None
    segment: Segment = Field(default_factory=Segment)


class CampaignOut(BaseModel):
    id: uuid.UUID
    external_id: str | None = None
    workflow_id: str
    name: str
    kind: str
    title: str | None
    segment: dict[str, Any]
    invited: int
    created_at: datetime
