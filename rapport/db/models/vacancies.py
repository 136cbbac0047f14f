"""Vacancies and their matches, campaigns, and the owners' daily digests."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from rapport.db.models.base import Base
from rapport.db.types import Vocabulary
from rapport.vocabulary import MatchStatus, VacancyStatus


class Vacancy(Base):
    """An opening; its workflow finds the passive candidates who fit and reaches each one."""

    __tablename__ = "vacancies"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    external_id: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    skills: Mapped[list[str]] = mapped_column(ARRAY(String(100)), default=list)
    seniority: Mapped[str | None] = mapped_column(String(32))
    location: Mapped[str | None] = mapped_column(String(200))
    remote: Mapped[bool] = mapped_column(Boolean, default=False)
    hiring_manager: Mapped[str | None] = mapped_column(String(320))
    owner_message: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(1000))
    status: Mapped[VacancyStatus] = mapped_column(
        Vocabulary(VacancyStatus, 16), default=VacancyStatus.OPEN
    )
    workflow_id: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class VacancyMatch(Base):
    """One candidate who fits one vacancy: the score, the reasons, and what became of it."""

    __tablename__ = "vacancy_matches"
    __table_args__ = (
        UniqueConstraint("vacancy_id", "candidate_id"),
        Index("ix_vacancy_matches_vacancy_id_status", "vacancy_id", "status"),
        # The owners' digest reads only the matches no digest has listed yet.
        Index(
            "ix_vacancy_matches_undigested",
            "created_at",
            postgresql_where=text("digest_id IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    vacancy_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vacancies.id", ondelete="CASCADE"))
    candidate_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[str]] = mapped_column(JSONB, default=list)
    status: Mapped[MatchStatus] = mapped_column(
        Vocabulary(MatchStatus, 16), default=MatchStatus.MATCHED
    )
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    digest_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("digests.id", ondelete="SET NULL")
    )


class Campaign(Base):
    """Marketing invites a segment to a webinar or event, through each candidate's budget."""

    __tablename__ = "campaigns"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    # The client's own id: a repeated POST finds the campaign instead of starting another.
    external_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    sender_role: Mapped[str] = mapped_column(String(16))
    sender: Mapped[str | None] = mapped_column(String(320))
    title: Mapped[str | None] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(String(1000))
    starts_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    message: Mapped[str | None] = mapped_column(Text)
    segment: Mapped[dict[str, object]] = mapped_column(JSONB, default=dict)
    workflow_id: Mapped[str] = mapped_column(String(100))
    invited: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Digest(Base):
    """The one email an owner gets on a day, listing their candidates matched since the last."""

    __tablename__ = "digests"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    owner: Mapped[str] = mapped_column(String(320))
    day: Mapped[date] = mapped_column(Date)
    candidates: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
