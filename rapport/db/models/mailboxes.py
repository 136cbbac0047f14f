"""The `mailboxes` table: connected IMAP mailboxes, where reading stands, and their health."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from rapport.db.models.base import Base


class Mailbox(Base):
    """One folder of one IMAP account that Rapport reads replies, bounces and complaints from.

    `secret_sealed` is the password or OAuth2 access token, encrypted (rapport.sealing) with
    the mailbox's id as associated data: it is never returned by the API, never logged, and
    never in a Temporal payload (the workflow carries the id alone). The position
    (`uidvalidity`, `last_uid`) is written in the same transaction as each message read.
    """

    __tablename__ = "mailboxes"
    __table_args__ = (UniqueConstraint("host", "username", "folder"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    host: Mapped[str] = mapped_column(String(255))
    port: Mapped[int] = mapped_column(Integer)
    # activities.mailbox_reader.Security: ssl | starttls | none (loopback only).
    security: Mapped[str] = mapped_column(String(16))
    username: Mapped[str] = mapped_column(String(320))
    # password | xoauth2
    login_method: Mapped[str] = mapped_column(String(16))
    secret_sealed: Mapped[str] = mapped_column(Text)
    folder: Mapped[str] = mapped_column(String(255), default="INBOX")
    # The person whose own mailbox this is (the directory's email); none: a shared mailbox.
    owner: Mapped[str | None] = mapped_column(String(320))
    enabled: Mapped[bool] = mapped_column(default=True, server_default="true")
    uidvalidity: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    last_read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # MailboxHealth: new | ok | login_failed | unreachable
    health: Mapped[str] = mapped_column(String(16), default="new", server_default="new")
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    def __repr__(self) -> str:  # never the secret
        return f"Mailbox({self.id}, {self.username}@{self.host}:{self.port}/{self.folder})"

    @property
    def workflow_id(self) -> str:
        return f"mailbox-{self.id}"
