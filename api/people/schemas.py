"""The directory's bodies: an entry, a change to one, the listing, an import's report."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, field_validator

from api.errors import FieldError
from api.fields import LanguageTag, LinkedInUrl, ShortText, Signature, SingleLine
from rapport.vocabulary import SenderRole

# As shown in From lines ("Maria Owner via Acme") and signatures.
DisplayName = Annotated[
    SingleLine, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
]
FirstName = Annotated[
    SingleLine, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
]
Languages = Annotated[list[LanguageTag], Field(max_length=20)]


class PersonBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: EmailStr = Field(description="The key: the address owners and hiring managers use.")
    name: DisplayName = Field(description="As shown in From lines and signatures.")
    first_name: FirstName | None = Field(
        default=None, description="For informal sign-offs; default: the name's first word."
    )
    title: ShortText | None = None
    role: SenderRole | None = Field(default=None, description="The voice they usually speak in.")
    signature: Signature | None = Field(
        default=None, description="A short sign-off block (at most 6 lines) under their emails."
    )
    linkedin_url: LinkedInUrl | None = None
    languages: Languages = Field(default_factory=list, description="BCP 47 tags, e.g. de, en.")


class PersonUpdate(BaseModel):
    """PATCH body: every field optional; a field sent as null clears it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: EmailStr | None = None
    name: DisplayName | None = None
    first_name: FirstName | None = None
    title: ShortText | None = None
    role: SenderRole | None = None
    signature: Signature | None = None
    linkedin_url: LinkedInUrl | None = None
    languages: Languages | None = None

    @field_validator("email", "name", "languages")
    @classmethod
    def not_cleared(cls, value: object) -> object:
        # Runs only for fields the client sent: the key and the name make the entry.
        if value is None:
            raise ValueError("cannot be cleared; leave it out to keep it")
        return value


class PersonOut(BaseModel):
    id: uuid.UUID
    email: str
    name: str
    first_name: str | None
    title: str | None
    role: SenderRole | None
    signature: str | None
    linkedin_url: str | None
    languages: list[str]
    created_at: datetime
    updated_at: datetime


class PersonList(BaseModel):
    items: list[PersonOut]


class PersonImportRow(BaseModel):
    row: int
    email: str | None
    status: Literal["created", "existing", "rejected"]
    id: uuid.UUID | None = None
    errors: list[FieldError] = Field(default_factory=list)


class PersonImportReport(BaseModel):
    created: int
    existing: int
    rejected: int
    items: list[PersonImportRow]
