"""The message templates' bodies: the listing, one template with its history, an edit, a
preview and its answer."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from activities.template_catalog import MAX_SOURCE
from api.fields import MultiLine, SingleLine
from rapport.vocabulary import Channel, Occasion, SenderRole

Source = Annotated[MultiLine, StringConstraints(max_length=MAX_SOURCE)]
Comment = Annotated[SingleLine, StringConstraints(strip_whitespace=True, max_length=500)]


class TemplateSummary(BaseModel):
    key: str = Field(description="The default file under templates/, without .txt.j2.")
    channel: Channel
    occasion: Occasion
    sender_role: SenderRole | None = Field(
        description="The voice of its own; null: every role without a file of its own."
    )
    sender_roles: list[SenderRole] = Field(description="The roles whose messages it writes.")
    language: str | None = Field(description="BCP 47; null: the default, English.")
    edited: bool = Field(description="An edit is in force instead of the default file.")
    edited_by: str | None = None
    edited_at: datetime | None = None


class TemplateList(BaseModel):
    items: list[TemplateSummary]


class TemplateEditOut(BaseModel):
    id: int
    body: str | None = Field(description="The text stored; null: reverted to the default.")
    reverted: bool
    comment: str | None
    edited_by: str
    edited_by_role: str
    created_at: datetime


class TemplateDetail(TemplateSummary):
    version: int = Field(
        description="The newest history entry's id (0: never edited): send it as `based_on`."
    )
    default: str = Field(description="The default file's text.")
    active: str = Field(description="The text in force: the newest edit's, else the default.")
    history: list[TemplateEditOut] = Field(description="Every edit and revert, newest first.")


class TemplateEditBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: Source = Field(
        description="The whole template (Jinja2); an email's starts with a Subject: line."
    )
    comment: Comment | None = None
    based_on: int | None = Field(
        default=None,
        ge=0,
        description="The `version` your text started from: a newer edit since answers 409 "
        "instead of being overwritten. Left out: saved whatever came before.",
    )


class RevertBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: Comment | None = None


class PreviewBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: Source | None = Field(
        default=None, description="The text to render; default: the text in force."
    )
    candidate_id: uuid.UUID | None = Field(
        default=None, description="Whose facts to use; default: sample facts."
    )
    sender_role: SenderRole | None = Field(
        default=None,
        description="The voice, among those the template writes for; default: the "
        "candidate's owner's role where it does, else the first.",
    )


class PreviewOut(BaseModel):
    subject: str | None
    body: str
    sender_role: SenderRole
    candidate_id: uuid.UUID | None = Field(description="null: rendered with sample facts.")
    problem: str | None = Field(
        description="Why saving this text would be refused (it fails for another sample), or null."
    )
