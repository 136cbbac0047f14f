"""The content library's bodies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
)

from api.fields import (
    MAX_LIST_ITEMS,
    MultiLine,
    SingleLine,
    Tag,
    WebUrl,
)


class ArticleBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: Annotated[SingleLine, StringConstraints(min_length=1, max_length=300)]
    url: WebUrl
    summary: Annotated[MultiLine, StringConstraints(max_length=2000)] | None = None
    tags: list[Tag] = Field(min_length=1, max_length=MAX_LIST_ITEMS)


class ArticleOut(BaseModel):
    id: uuid.UUID
    title: str
    url: str
    summary: str | None
    tags: list[str]
    created_at: datetime


class ArticleList(BaseModel):
    items: list[ArticleOut]
