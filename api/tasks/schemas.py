"""The assisted-send inbox's bodies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
)

from api.fields import (
    MultiLine,
    SingleLine,
)
from rapport.vocabulary import (
    Channel,
    Occasion,
    SenderRole,
    TaskKind,
    TaskStatus,
)


class TaskOut(BaseModel):
    id: uuid.UUID
    candidate_id: uuid.UUID
    owner: str
    kind: TaskKind = Field(
        default=TaskKind.SEND,
        description="`send`: a draft to send by hand; `follow_up`: an interested reply; "
        "`classify_reply`: a reply to classify (`draft` is the reply), closed by classifying.",
    )
    occasion: Occasion
    channel: Channel
    sender_role: SenderRole
    draft: str
    link: str | None
    due_at: datetime
    status: TaskStatus
    final_text: str | None
    completed_at: datetime | None
    recipient: str | None = Field(
        default=None, description="Name and postal address, for a handwritten note."
    )


class TaskList(BaseModel):
    items: list[TaskOut]


class TaskCompletion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Literal["sent", "skipped"]
    text: Annotated[MultiLine, StringConstraints(max_length=5000)] | None = Field(
        default=None, description="The text as actually sent, if edited."
    )
    reason: Annotated[SingleLine, StringConstraints(max_length=500)] | None = None
