"""API keys' bodies; a key's secret appears in one answer only, the one that made it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr

from api.fields import ShortText


class KeyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: ShortText
    role: Literal["admin", "hr", "owner", "viewer", "inbound"]
    owner: EmailStr | None = None


class KeyOut(BaseModel):
    id: uuid.UUID
    name: str
    role: str
    owner: str | None
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


class NewKey(KeyOut):
    key: str


class KeyList(BaseModel):
    items: list[KeyOut]
