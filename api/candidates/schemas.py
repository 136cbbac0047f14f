"""Candidates' request and response bodies: enrolment, profile, plan, touches, import,
interactions, opt-outs, stages and invitations."""

from __future__ import annotations

import datetime as dt
import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    field_validator,
)

from api.errors import FieldError
from api.fields import (
    MAX_LIST_ITEMS,
    Birthday,
    CountryCode,
    EventStart,
    LanguageTag,
    LinkedInUrl,
    Message,
    PastDate,
    PostalAddress,
    ShortText,
    Tag,
    TimeZoneName,
    WebUrl,
)
from rapport.vocabulary import (
    Channel,
    EmailStatus,
    InvitationKind,
    Occasion,
    Rapport,
    RelationshipOrigin,
    SenderRole,
    Stage,
)


class Relationship(BaseModel):
    model_config = ConfigDict(extra="forbid")

    origin: RelationshipOrigin = RelationshipOrigin.COLD_OUTREACH
    rapport: Rapport = Rapport.COLD
    since: date | None = None
    owner: EmailStr | None = Field(
        default=None, description="Email of the person who holds the relationship."
    )
    owner_role: SenderRole = SenderRole.HR


class CandidateProfile(BaseModel):
    """Fields shared by enrolment and update."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: EmailStr | None = None
    linkedin_url: LinkedInUrl | None = None
    postal_address: PostalAddress | None = None
    birthday: Birthday | None = Field(default=None, description="YYYY-MM-DD or MM-DD")
    current_employer: ShortText | None = None
    current_title: ShortText | None = None
    job_started_on: PastDate | None = None
    skills: list[Tag] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)
    interests: list[Tag] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)
    location: ShortText | None = None
    language: LanguageTag | None = Field(
        default=None, description="BCP 47 (de, de-AT, ja): messages in it where written so."
    )
    consent: dict[Channel, bool] = Field(
        default_factory=dict, description='Per channel, e.g. {"email": true}.'
    )


class CandidateCreate(CandidateProfile):
    external_id: ShortText
    full_name: ShortText
    timezone: TimeZoneName
    country: CountryCode
    relationship: Relationship = Field(default_factory=Relationship)


class CandidateUpdate(BaseModel):
    """PATCH body: every field optional; a field sent as null clears it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    full_name: ShortText | None = None
    email: EmailStr | None = None
    linkedin_url: LinkedInUrl | None = None
    postal_address: PostalAddress | None = None
    timezone: TimeZoneName | None = None
    country: CountryCode | None = None
    birthday: Birthday | None = None
    current_employer: ShortText | None = None
    current_title: ShortText | None = None
    job_started_on: PastDate | None = None
    skills: list[Tag] | None = Field(default=None, max_length=MAX_LIST_ITEMS)
    interests: list[Tag] | None = Field(default=None, max_length=MAX_LIST_ITEMS)
    location: ShortText | None = None
    language: LanguageTag | None = None
    consent: dict[Channel, bool] | None = None
    relationship: Relationship | None = None

    @field_validator("full_name", "timezone", "country", "relationship")
    @classmethod
    def not_cleared(cls, value: object) -> object:
        # Runs only for fields the client sent: these are NOT NULL in the database, and a
        # candidate without a relationship has no origin, rapport or owner role to plan with.
        if value is None:
            raise ValueError("cannot be cleared; leave it out to keep it")
        return value


class TouchPlan(BaseModel):
    occasion: Occasion
    channel: Channel | None
    sender_role: SenderRole
    due_at: datetime
    reason: str | None = Field(default=None, description="Why it will be skipped, if it will.")
    status: Literal["automatic", "assisted", "skip"] = Field(
        default="automatic",
        description="`assisted`: a person gets a draft to send; `skip`: recorded as skipped.",
    )
    sender: str | None = None


class CandidateOut(BaseModel):
    id: uuid.UUID
    workflow_id: str
    external_id: str
    full_name: str
    email: str | None
    linkedin_url: str | None
    postal_address: str | None
    timezone: str
    country: str
    birthday: str | None
    current_employer: str | None
    current_title: str | None
    job_started_on: date | None
    skills: list[str]
    interests: list[str]
    location: str | None
    language: str | None
    consent: dict[str, bool]
    opt_outs: list[str]
    greetings_only: bool
    email_status: EmailStatus = Field(
        default=EmailStatus.UNKNOWN,
        description="`bounced` and `complained` stop email until HR changes the address.",
    )
    email_status_reason: str | None = None
    soft_bounces: int = 0
    relationship: Relationship
    stage: Stage
    created_at: datetime
    updated_at: datetime


class CandidateDetail(CandidateOut):
    next_touch: TouchPlan | None
    status_source: Literal["workflow", "published", "plan"] = Field(
        description="`published`: as the workflow last stored it (the default); `workflow`: the"
        " live workflow answered (`?live=true`); `plan`: computed from the stored profile."
    )


class CandidatePage(BaseModel):
    items: list[CandidateOut]
    next_cursor: str | None


class PlanOut(BaseModel):
    items: list[TouchPlan]
    # published: planned here from the state the workflow published with its status (it was
    # not woken); workflow: asked of the live workflow (`?live=true`, or nothing published
    # yet); plan: neither answered, planned from the stored data alone.
    source: Literal["published", "workflow", "plan"] = "published"


class TouchOut(BaseModel):
    id: uuid.UUID
    task_id: uuid.UUID | None
    occasion: Occasion
    channel: Channel | None
    sender_role: SenderRole
    sender: str | None
    status: str
    reason: str | None
    subject: str | None
    due_at: datetime
    sent_at: datetime | None
    created_at: datetime
    # Sent again after a worker was lost mid-send: the candidate may have it twice (see reason).
    possibly_duplicate: bool = False


class TouchList(BaseModel):
    items: list[TouchOut]


class ImportRow(BaseModel):
    row: int
    external_id: str | None
    status: Literal["created", "existing", "rejected"]
    id: uuid.UUID | None = None
    errors: list[FieldError] = Field(default_factory=list)


class ImportReport(BaseModel):
    created: int
    existing: int
    rejected: int
    items: list[ImportRow]


# --- lifecycle -------------------------------------------------------------------------------
class MetInPersonBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    type: Literal["met_in_person"]
    event: ShortText = Field(description="The event or place where they met.")
    date: PastDate
    rapport: Rapport
    met_by: EmailStr | None = Field(
        default=None, description="Email of who met them; they sign the thank-you."
    )


class RepliedBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["replied"]
    sentiment: Literal["interested", "not_now", "not_interested"]
    channel: Channel | None = None
    resume_on: date | None = Field(
        default=None, description="For `not_now`: no touch before this day (YYYY-MM-DD)."
    )


InteractionBody = Annotated[MetInPersonBody | RepliedBody, Field(discriminator="type")]


class InteractionOut(BaseModel):
    id: uuid.UUID
    candidate_id: uuid.UUID
    type: str
    event: str | None
    date: date | None
    rapport: str | None
    met_by: str | None
    sentiment: str | None
    channel: str | None
    resume_on: dt.date | None = None
    stage: Stage
    created_at: datetime


class OptOutBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channels: list[Channel] | None = Field(
        default=None, description="Channels to stop; absent or empty: stop everything."
    )


class StageBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stage: Literal["nurturing", "paused", "hired", "archived"] = Field(
        description="`nurturing` resumes a paused or engaged candidate."
    )


class InvitationBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: InvitationKind
    sender_role: Literal["marketing", "ceo", "hr", "employee"] = "marketing"
    sender: EmailStr | None = Field(
        default=None, description="Who invites; for the CEO, their email. Default: the owner."
    )
    title: ShortText | None = None
    url: WebUrl | None = None
    starts_at: EventStart | None = None
    message: Message | None = None


class InvitationOut(BaseModel):
    id: uuid.UUID
    candidate_id: uuid.UUID
    kind: InvitationKind
    sender_role: str
    sender: str | None
    title: str | None
    url: str | None
    starts_at: datetime | None
    created_at: datetime
