"""What the operator's listings answer: a workflow per row, with the query that found them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class WorkflowRow(BaseModel):
    workflow_id: str
    stage: str | None
    next_occasion: str | None
    next_touch_at: datetime | None
    owner: str | None
    awaiting_owner: str | None
    awaiting_since: datetime | None
    late_by_minutes: int | None = None
    waiting_minutes: int | None = None


class WorkflowRows(BaseModel):
    query: str
    items: list[WorkflowRow]
