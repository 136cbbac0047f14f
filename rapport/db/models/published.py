"""What a candidate's workflow last published about itself, kept in PostgreSQL so that reading
a candidate never wakes its workflow (see api.candidates.status).

One row per candidate, written only by the workflow's `store_status` activity, deleted with
the candidate: the stage and the next touch (occasion, channel, sender role, when, and the staff
address that sends it), and the state the planner reads (the scheduling facts the workflow holds:
time zone, country, birthday's month and day, consent, owner; kept here in PostgreSQL, with the
rest of the candidate's data).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, ForeignKey, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from rapport.db.models.base import Base


class PublishedStatus(Base):
    __tablename__ = "candidate_status"

    candidate_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), primary_key=True
    )
    stage: Mapped[str] = mapped_column(String(16))
    # The next touch; all null when nothing is planned.
    occasion: Mapped[str | None] = mapped_column(String(32))
    channel: Mapped[str | None] = mapped_column(String(32))
    sender_role: Mapped[str | None] = mapped_column(String(16))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(Text)
    sender: Mapped[str | None] = mapped_column(String(320))
    assisted: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    skip: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    # The candidate's state as the planner reads it (rapport.outreach.state.planning_view, as
    # JSON): the API draws the plan from it without waking the workflow. Null from runs that
    # stored their status before it was published.
    plan_state: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # The workflow's clock when it published this: a late or retried write never overwrites a
    # newer one.
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
