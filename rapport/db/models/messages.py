"""HR's edits of the message templates: every edit kept, with who made it and when.

The newest row of a key is the one in force; a row without a body means "the default file"
(a revert), so reverting loses nothing. Rows are only ever added. No personal data about
candidates: the text of a template, and the staff member (an API key's name) who wrote it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Identity, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from rapport.db.models.base import Base


class TemplateEdit(Base):
    __tablename__ = "template_edits"
    # The one read of every render: the newest row of a key.
    __table_args__ = (Index("ix_template_edits_key_id", "key", "id"),)

    # Increasing: "newest" is the highest id, even for two edits in the same instant.
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    # The default file's path under templates/ without `.txt.j2`: `email/birthday.ceo.de`.
    key: Mapped[str] = mapped_column(String(200))
    # The template's whole text (an email's starts with its Subject: line); null: the default.
    body: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(Text)
    # As the audit log names them: the API key's name and role.
    edited_by: Mapped[str] = mapped_column(String(200))
    edited_by_role: Mapped[str] = mapped_column(String(16))
    key_id: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
