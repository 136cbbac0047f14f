"""Inbound mail's bodies: what one message did, the review list, a reply's classification."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from rapport.vocabulary import Channel, InboundKind, InboundStatus, Occasion, TouchStatus


class IngestOut(BaseModel):
    """What one posted message became; no text of it (the poster has that already)."""

    id: uuid.UUID
    kind: InboundKind
    status: InboundStatus = Field(description="`duplicate`: this message was posted before.")
    candidate_id: uuid.UUID | None
    touch_id: uuid.UUID | None
    notices: list[str] = Field(description="What the candidate's workflow was told.")


class MatchedTouch(BaseModel):
    id: uuid.UUID
    occasion: Occasion
    channel: Channel | None
    status: TouchStatus
    sent_at: datetime | None


class MatchedCandidate(BaseModel):
    id: uuid.UUID
    full_name: str
    owner: str | None


class InboundOut(BaseModel):
    id: uuid.UUID
    received_at: datetime
    source: Literal["webhook", "mailbox"]
    mailbox_id: uuid.UUID | None
    kind: InboundKind
    status: InboundStatus
    matched_by: str | None = Field(description="`touch` (its Message-ID) or `address`.")
    candidate: MatchedCandidate | None
    touch: MatchedTouch | None
    effect: str | None = Field(description="What it did, in words.")
    reason: str | None = Field(description="Why this kind.")
    sender: str | None
    subject: str | None
    reply_text: str | None = Field(description="A reply's new text, quoted history stripped.")
    bounce_severity: Literal["hard", "soft"] | None
    bounce_status: str | None
    task_id: uuid.UUID | None = Field(description="The owner's `classify_reply` task.")
    sentiment: str | None = Field(description="A reply's classification, once made.")
    classified_at: datetime | None
    classified_by: str | None


class InboundPage(BaseModel):
    items: list[InboundOut]
    next_cursor: str | None


class ClassifyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sentiment: Literal["interested", "not_now", "not_interested"]
    resume_on: date | None = Field(
        default=None, description="For `not_now`: no touch before this day (YYYY-MM-DD)."
    )
