"""The `inbound_messages` table: every message that came back, what it was and what it did."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, LargeBinary, String, Text, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from rapport.db.models.base import Base

# The raw bytes kept of a message, for review and re-processing: a message is read up to
# rapport.inbound.MAX_MESSAGE_BYTES, and stored up to this.
MAX_STORED_BYTES = 256 * 1024


class InboundRecord(Base):
    """One message that came back (a reply, an automatic reply, a bounce, a complaint).

    Unique by `idempotency_key` (the message's own Message-ID, else a sha256 of its bytes):
    the same message fed twice, by a mailbox read again or a webhook retried, is one row with
    one effect. `reply_text`, `sender`, `subject`, `reason` and `raw` are personal data:
    erasing the candidate clears them (rapport.db.repositories.inbound.scrub_for_erasure).
    """

    __tablename__ = "inbound_messages"
    __table_args__ = (Index("ix_inbound_messages_status_kind", "status", "kind"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    idempotency_key: Mapped[str] = mapped_column(String(300), unique=True)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
    # InboundSource: webhook | mailbox; which mailbox (no foreign key: what a deleted mailbox
    # read stays, with the id it came from). Indexed: each read looks for its undelivered ones.
    source: Mapped[str] = mapped_column(String(16))
    mailbox_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    # InboundKind, and InboundStatus (processed | unmatched).
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    candidate_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("candidates.id", ondelete="SET NULL"), index=True
    )
    touch_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("touches.id", ondelete="SET NULL")
    )
    interaction_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("interactions.id", ondelete="SET NULL")
    )
    task_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("tasks.id", ondelete="SET NULL"), index=True
    )
    # How it was matched: touch (by Message-ID), address (the sender's), or none.
    matched_by: Mapped[str | None] = mapped_column(String(16))
    # What it did, in words ("opted out of email: asked to stop"); why its kind (classify's).
    effect: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(300))
    sender: Mapped[str | None] = mapped_column(String(320))
    subject: Mapped[str | None] = mapped_column(String(300))
    reply_text: Mapped[str | None] = mapped_column(Text)
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)
    raw_truncated: Mapped[bool] = mapped_column(default=False, server_default="false")
    bounce_severity: Mapped[str | None] = mapped_column(String(8))
    bounce_status: Mapped[str | None] = mapped_column(String(16))
    # The signals its candidate's workflow must get (CandidateNotice kinds), until delivered.
    notices: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=list)
    notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A reply's classification by its owner (a Sentiment), and when.
    sentiment: Mapped[str | None] = mapped_column(String(32))
    classified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    classified_by: Mapped[str | None] = mapped_column(String(320))
