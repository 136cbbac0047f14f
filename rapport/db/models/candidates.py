"""Candidates and what happened with them: the profile (the only home of their personal
data), every touch, meetings and replies, invitations, and the anonymous record of an erasure."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rapport.db.models.base import Base

if TYPE_CHECKING:
    from rapport.db.models.published import PublishedStatus


TRIGRAM_SEARCHED = ("full_name", "current_title", "current_employer", "external_id", "email")


class Candidate(Base):
    __tablename__ = "candidates"
    # The list's keyset order (api.candidates: oldest first), and trigram indexes for the
    # search's `ILIKE '%text%'` on each column it searches (repositories.candidates.SEARCHED
    # and the address): without them every search read the whole table, twice (the page and
    # its count), 17 ms each at 10,000 candidates.
    __table_args__ = (
        Index("ix_candidates_created_at_id", "created_at", "id"),
        *(
            Index(
                f"ix_candidates_{column}_trgm",
                column,
                postgresql_using="gin",
                postgresql_ops={column: "gin_trgm_ops"},
            )
            for column in TRIGRAM_SEARCHED
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    external_id: Mapped[str] = mapped_column(String(200), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    linkedin_url: Mapped[str | None] = mapped_column(String(500))
    postal_address: Mapped[str | None] = mapped_column(Text)
    timezone: Mapped[str] = mapped_column(String(64))
    country: Mapped[str] = mapped_column(String(2))
    birthday_month: Mapped[int | None] = mapped_column(SmallInteger)
    birthday_day: Mapped[int | None] = mapped_column(SmallInteger)
    birthday_year: Mapped[int | None] = mapped_column(SmallInteger)
    current_employer: Mapped[str | None] = mapped_column(String(200))
    current_title: Mapped[str | None] = mapped_column(String(200))
    job_started_on: Mapped[date | None] = mapped_column(Date)
    skills: Mapped[list[str]] = mapped_column(ARRAY(String(100)), default=list)
    interests: Mapped[list[str]] = mapped_column(ARRAY(String(100)), default=list)
    location: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(35))  # BCP 47; none: the default
    consent: Mapped[dict[str, bool]] = mapped_column(JSONB, default=dict)
    opt_outs: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=list)
    # A reply of `not_interested`: from then on only birthday and anniversary greetings.
    greetings_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    # EmailStatus: unknown, deliverable, bounced, complained (rapport.inbound's reports set it).
    email_status: Mapped[str] = mapped_column(
        String(16), default="unknown", server_default="unknown"
    )
    email_status_reason: Mapped[str | None] = mapped_column(String(500))
    soft_bounces: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    relationship_origin: Mapped[str] = mapped_column(String(32))
    rapport: Mapped[str] = mapped_column(String(16))
    relationship_since: Mapped[date | None] = mapped_column(Date)
    owner: Mapped[str | None] = mapped_column(String(320), index=True)
    owner_role: Mapped[str] = mapped_column(String(16))
    stage: Mapped[str] = mapped_column(String(16), index=True)
    workflow_id: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    touches: Mapped[list[Touch]] = relationship(back_populates="candidate", passive_deletes=True)
    # What the workflow last published (rapport.db.models.published), only ever loaded with the
    # candidate in one query (repositories.candidates.get_candidate_and_status); never written
    # through here, never loaded on access.
    published: Mapped[PublishedStatus | None] = relationship(viewonly=True, lazy="raise")


class Touch(Base):
    """One outreach attempt; the idempotency key makes every send happen at most once."""

    __tablename__ = "touches"
    __table_args__ = (
        Index("ix_touches_candidate_id_due_at", "candidate_id", "due_at"),
        # Inbound mail names a touch by the digest at the start of its Message-ID (a prefix).
        Index(
            "ix_touches_message_id",
            "message_id",
            postgresql_ops={"message_id": "varchar_pattern_ops"},
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    candidate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"))
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    occasion: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str | None] = mapped_column(String(32))
    sender_role: Mapped[str] = mapped_column(String(16))
    sender: Mapped[str | None] = mapped_column(String(320))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    subject: Mapped[str | None] = mapped_column(String(300))
    article_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL")
    )
    task_id: Mapped[uuid.UUID | None] = mapped_column()
    message_id: Mapped[str | None] = mapped_column(String(300))
    # Internal, not a status: `sending` from just before the SMTP DATA until the server's answer
    # is recorded (status stays `scheduled` meanwhile). A row still `sending` when an attempt
    # starts means an earlier one was lost mid-exchange: its message may have gone out.
    phase: Mapped[str | None] = mapped_column(String(16))
    # Sent again after such a loss: the candidate may have it twice (same Message-ID).
    possibly_duplicate: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    candidate: Mapped[Candidate] = relationship(back_populates="touches")


class Interaction(Base):
    """What happened between the company and the candidate: met in person, replied."""

    __tablename__ = "interactions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    candidate_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    type: Mapped[str] = mapped_column(String(32))
    event: Mapped[str | None] = mapped_column(String(300))
    happened_on: Mapped[date | None] = mapped_column(Date)
    rapport: Mapped[str | None] = mapped_column(String(16))
    met_by: Mapped[str | None] = mapped_column(String(320))
    sentiment: Mapped[str | None] = mapped_column(String(32))
    channel: Mapped[str | None] = mapped_column(String(32))
    # A `not_now` reply's date to resume outreach, local to the candidate.
    resume_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Invitation(Base):
    """Marketing's webinar or event, or the CEO's invitation to connect, for one candidate."""

    __tablename__ = "invitations"
    __table_args__ = (UniqueConstraint("campaign_id", "candidate_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    candidate_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    sender_role: Mapped[str] = mapped_column(String(16))
    sender: Mapped[str | None] = mapped_column(String(320))
    title: Mapped[str | None] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(String(1000))
    starts_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    message: Mapped[str | None] = mapped_column(Text)
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Erasure(Base):
    """What is left of an erased candidate: an anonymous record that erasure happened."""

    __tablename__ = "erasures"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    candidate_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    touches: Mapped[int] = mapped_column(SmallInteger)
    enrolled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    erased_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
