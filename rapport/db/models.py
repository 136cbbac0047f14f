"""Typed SQLAlchemy models. Personal data lives here and nowhere else."""

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
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Constraint names are part of the schema that Alembic diffs; a convention keeps them stable.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Candidate(Base):
    __tablename__ = "candidates"
    # The list's keyset order (api.candidates: oldest first).
    __table_args__ = (Index("ix_candidates_created_at_id", "created_at", "id"),)

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
    consent: Mapped[dict[str, bool]] = mapped_column(JSONB, default=dict)
    opt_outs: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=list)
    # A reply of `not_interested`: from then on only birthday and anniversary greetings.
    greetings_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
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


class Article(Base):
    """The content library that check-ins draw from."""

    __tablename__ = "articles"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    title: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(1000), unique=True)
    summary: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(100)), default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Task(Base):
    """An assisted send: a draft a person must send (LinkedIn, a note without a provider)."""

    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_owner_status", "owner", "status"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    candidate_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    owner: Mapped[str] = mapped_column(String(320))
    occasion: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(32))
    sender_role: Mapped[str] = mapped_column(String(16))
    draft: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(1000))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16))
    final_text: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


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


class Touch(Base):
    """One outreach attempt; the idempotency key makes every send happen at most once."""

    __tablename__ = "touches"
    __table_args__ = (Index("ix_touches_candidate_id_due_at", "candidate_id", "due_at"),)

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
    status: Mapped[str] = mapped_column(String(16), default="open")
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
    status: Mapped[str] = mapped_column(String(16), default="matched")
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


class ApiKey(Base):
    """An API key, stored as a hash; the key itself is shown once, when it is made."""

    __tablename__ = "api_keys"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    owner: Mapped[str | None] = mapped_column(String(320))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """Who changed what, when: every mutating request, without its body."""

    __tablename__ = "audit_log"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
    key_id: Mapped[uuid.UUID | None] = mapped_column()
    actor: Mapped[str] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(500))
    status: Mapped[int] = mapped_column(SmallInteger)


# Defined beside this module (it needs Base), imported here so the metadata is whole.
from rapport.db.published import PublishedStatus as PublishedStatus  # noqa: E402
