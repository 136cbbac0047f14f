"""The readiness answer."""

from __future__ import annotations

from typing import Literal

from pydantic import (
    BaseModel,
)


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    database: str
    temporal: str
