"""The audit log: who changed what, and when."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from rapport.db.models import AuditEntry
from rapport.db.repositories.base import add


def add_entry(session: AsyncSession, **values: Any) -> AuditEntry:
    return add(session, AuditEntry, **values)
