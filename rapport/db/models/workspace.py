"""Settings an admin changes in the workspace, stored so a change needs no deploy: one row a
setting, with who changed it last and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from rapport.db.models.base import Base


class WorkspaceSetting(Base):
    """One stored setting by name (e.g. `owners_may_enrol`); absent: its default applies."""

    __tablename__ = "workspace_settings"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSONB)
    changed_by: Mapped[str] = mapped_column(String(320))
    changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
