"""A mailbox to connect, a change to one, and how one is shown (never its secret)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, SecretStr, StringConstraints

from activities.mailbox_reader import LoginMethod, Security
from api.fields import SingleLine
from rapport.vocabulary import MailboxHealth

Label = Annotated[
    SingleLine, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
]
HostName = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, pattern=r"^[a-z0-9]([a-z0-9.:-]{0,252})$"
    ),
]
Username = Annotated[
    SingleLine, StringConstraints(strip_whitespace=True, min_length=1, max_length=320)
]
Folder = Annotated[SingleLine, StringConstraints(min_length=1, max_length=255)]
Port = Annotated[int, Field(ge=1, le=65535)]
Secret = Annotated[SecretStr, Field(min_length=1, max_length=8192)]


class MailboxBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Label = Field(description="What operators call it: `HR shared inbox`, `Maria's`.")
    host: HostName = Field(description="IMAP server: imap.gmail.com, outlook.office365.com.")
    port: Port = 993
    security: Security = Field(
        default=Security.SSL,
        description="`ssl` (993), `starttls` (143), or `none` for a server on this machine only.",
    )
    username: Username = Field(description="The login: usually the mailbox's address.")
    login_method: LoginMethod = Field(
        default=LoginMethod.PASSWORD,
        description="`password` (or an app password), or `xoauth2` with an OAuth2 access token.",
    )
    secret: Secret = Field(
        description="The password or OAuth2 access token: stored encrypted, never shown again."
    )
    folder: Folder = "INBOX"
    owner: EmailStr | None = Field(
        default=None, description="Whose own mailbox it is (in the directory); none: shared."
    )
    enabled: bool = True


class MailboxUpdate(BaseModel):
    """PATCH body: what is sent changes; a new `secret` replaces the old one (after a failed
    login), a new `folder` is read from its start."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Label | None = None
    secret: Secret | None = None
    folder: Folder | None = None
    enabled: bool | None = None


class Position(BaseModel):
    uidvalidity: int
    last_uid: int


class MailboxOut(BaseModel):
    id: uuid.UUID
    name: str
    host: str
    port: int
    security: Security
    username: str
    login_method: LoginMethod
    folder: str
    owner: str | None
    enabled: bool
    has_secret: bool = Field(description="Always true: the secret is stored, and never shown.")
    health: MailboxHealth
    last_read_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    consecutive_failures: int
    position: Position
    workflow_id: str
    created_at: datetime
    updated_at: datetime


class MailboxList(BaseModel):
    items: list[MailboxOut]


class MailboxHealthRow(BaseModel):
    """For operators: how reading each mailbox goes."""

    id: uuid.UUID
    name: str
    workflow_id: str
    enabled: bool
    health: MailboxHealth
    last_read_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    consecutive_failures: int


class MailboxHealthRows(BaseModel):
    # The Temporal visibility query that finds the failing ones in the Web UI.
    query: str
    items: list[MailboxHealthRow]
