"""Request and response bodies of the API; validation messages name the field and the problem."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from functools import cache
from importlib import resources
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
)

from rapport.vocabulary import (
    Channel,
    InvitationKind,
    Occasion,
    Rapport,
    RelationshipOrigin,
    SenderRole,
    Sentiment,
    Stage,
    TaskStatus,
)

MAX_LIST_ITEMS = 100

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


@cache
def iso_countries() -> frozenset[str]:
    """ISO 3166 alpha-2 codes, from the table tzdata ships (no extra dependency)."""
    table = resources.files("tzdata").joinpath("zoneinfo", "iso3166.tab").read_text("utf-8")
    return frozenset(
        line.split("\t")[0] for line in table.splitlines() if line and not line.startswith("#")
    )


def check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value!r}; use an IANA name like Europe/Berlin"
        ) from None
    return value


def check_country(value: str) -> str:
    code = value.strip().upper()
    if code not in iso_countries():
        raise ValueError(f"unknown country {value!r}; use an ISO 3166 alpha-2 code like DE")
    return code


def check_birthday(value: str) -> str:
    """`YYYY-MM-DD` or `MM-DD`; 02-29 is a real birthday, 02-30 is not."""
    text = value.strip()
    parts = text.split("-")
    try:
        if len(parts) == 3 and len(parts[0]) == 4:
            born = date.fromisoformat(text)
            if born > date.today():
                raise ValueError(f"birthday {value!r} is in the future")
            return born.isoformat()
        if len(parts) == 2:
            month, day = int(parts[0]), int(parts[1])
            date(2000, month, day)  # a leap year, so 02-29 passes and 02-30 fails
            return f"{month:02d}-{day:02d}"
    except ValueError as err:
        if "future" in str(err):
            raise
        raise ValueError(f"birthday {value!r} is not a real date") from None
    raise ValueError(f"birthday {value!r} must be YYYY-MM-DD or MM-DD")


def check_linkedin_url(value: str) -> str:
    text = value.strip()
    if not text.startswith(("https://", "http://")) or "linkedin.com/" not in text.lower():
        raise ValueError(f"linkedin_url {value!r} must be a https://www.linkedin.com/… address")
    return text


def check_not_future(value: date) -> date:
    if value > date.today():
        raise ValueError(f"{value.isoformat()} is in the future")
    return value


def check_ahead(value: datetime) -> datetime:
    if value <= datetime.now(UTC):
        raise ValueError(f"{value.isoformat()} has passed: invitations are for events ahead")
    return value


TimeZoneName = Annotated[str, AfterValidator(check_timezone)]
CountryCode = Annotated[str, AfterValidator(check_country)]
Birthday = Annotated[str, AfterValidator(check_birthday)]
LinkedInUrl = Annotated[str, StringConstraints(max_length=500), AfterValidator(check_linkedin_url)]
PastDate = Annotated[date, AfterValidator(check_not_future)]
# An event's start, with its UTC offset (17:00 means nothing without one), still ahead.
EventStart = Annotated[AwareDatetime, AfterValidator(check_ahead)]


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
    postal_address: Annotated[str, StringConstraints(max_length=500)] | None = None
    birthday: Birthday | None = Field(default=None, description="YYYY-MM-DD or MM-DD")
    current_employer: ShortText | None = None
    current_title: ShortText | None = None
    job_started_on: PastDate | None = None
    skills: list[Tag] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)
    interests: list[Tag] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)
    location: ShortText | None = None
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
    postal_address: Annotated[str, StringConstraints(max_length=500)] | None = None
    timezone: TimeZoneName | None = None
    country: CountryCode | None = None
    birthday: Birthday | None = None
    current_employer: ShortText | None = None
    current_title: ShortText | None = None
    job_started_on: PastDate | None = None
    skills: list[Tag] | None = Field(default=None, max_length=MAX_LIST_ITEMS)
    interests: list[Tag] | None = Field(default=None, max_length=MAX_LIST_ITEMS)
    location: ShortText | None = None
    consent: dict[Channel, bool] | None = None
    relationship: Relationship | None = None


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
    consent: dict[str, bool]
    opt_outs: list[str]
    greetings_only: bool
    relationship: Relationship
    stage: Stage
    created_at: datetime
    updated_at: datetime


class CandidateDetail(CandidateOut):
    next_touch: TouchPlan | None
    status_source: Literal["workflow", "plan"] = Field(
        description="`workflow` when the live workflow answered, `plan` when computed from data."
    )


class CandidatePage(BaseModel):
    items: list[CandidateOut]
    next_cursor: str | None


class PlanOut(BaseModel):
    items: list[TouchPlan]


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


class FieldError(BaseModel):
    field: str
    message: str


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


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    database: str
    temporal: str


REQUEST_PARTS = {"body", "query", "path", "header"}


def field_name(location: Sequence[Any], *, whole: str) -> str:
    """A pydantic error location as a dotted field name: `relationship.origin`, `consent.fax`."""
    parts = [str(part) for part in location if part != "[key]"]
    if parts and parts[0] in REQUEST_PARTS:
        parts = parts[1:]
    return ".".join(parts) or whole


def error_message(error: Mapping[str, Any]) -> str:
    return str(error.get("msg", "invalid")).removeprefix("Value error, ")


def field_errors(errors: Sequence[Mapping[str, Any]]) -> list[FieldError]:
    """Pydantic errors as `{field, message}`, the field as a dotted path."""
    return [
        FieldError(field=field_name(error["loc"], whole="row"), message=error_message(error))
        for error in errors
    ]


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
    sentiment: Sentiment
    channel: Channel | None = None


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
    url: Annotated[str, StringConstraints(max_length=1000, pattern=r"^https?://")] | None = None
    starts_at: EventStart | None = None
    message: Annotated[str, StringConstraints(max_length=1000)] | None = None


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


# --- articles --------------------------------------------------------------------------------
class ArticleBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    url: Annotated[str, StringConstraints(max_length=1000, pattern=r"^https?://\S+$")]
    summary: Annotated[str, StringConstraints(max_length=2000)] | None = None
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


# --- tasks -----------------------------------------------------------------------------------
class TaskOut(BaseModel):
    id: uuid.UUID
    candidate_id: uuid.UUID
    owner: str
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
    text: Annotated[str, StringConstraints(max_length=5000)] | None = Field(
        default=None, description="The text as actually sent, if edited."
    )
    reason: Annotated[str, StringConstraints(max_length=500)] | None = None


# --- vacancies and campaigns -------------------------------------------------------------------
class VacancyBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    external_id: ShortText
    title: ShortText
    description: Annotated[str, StringConstraints(max_length=10000)] | None = None
    skills: list[Tag] = Field(min_length=1, max_length=MAX_LIST_ITEMS)
    seniority: Literal["junior", "mid", "senior", "staff", "lead", "principal"] | None = None
    location: ShortText | None = None
    remote: bool = False
    hiring_manager: EmailStr | None = None
    owner_message: Annotated[str, StringConstraints(max_length=1000)] | None = Field(
        default=None, description="A personal line from the hiring manager or owner."
    )
    url: Annotated[str, StringConstraints(max_length=1000, pattern=r"^https?://\S+$")] | None = None


class VacancyOut(BaseModel):
    id: uuid.UUID
    workflow_id: str
    external_id: str
    title: str
    description: str | None
    skills: list[str]
    seniority: str | None
    location: str | None
    remote: bool
    hiring_manager: str | None
    url: str | None
    status: Literal["open", "closed"]
    created_at: datetime
    closed_at: datetime | None
    matched: int = 0
    notified: int = 0
    skipped: int = 0
    replied: int = 0
    cancelled: int = 0
    pending: int = 0
    skipped_reasons: dict[str, int] = Field(default_factory=dict)
    fanned_out: bool | None = Field(
        default=None, description="Whether every candidate has been considered (live)."
    )


class MatchOut(BaseModel):
    candidate_id: uuid.UUID
    full_name: str
    current_title: str | None
    owner: str | None
    score: float
    reasons: list[str]
    status: str
    reason: str | None


class MatchList(BaseModel):
    items: list[MatchOut]
    next_cursor: str | None


class Segment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    skills: list[Tag] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)
    interests: list[Tag] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)
    location: ShortText | None = None
    origins: list[RelationshipOrigin] = Field(default_factory=list)
    rapports: list[Rapport] = Field(default_factory=list)


class CampaignBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    external_id: ShortText | None = Field(
        default=None, description="Your id for it: posting it again answers the same campaign."
    )
    name: ShortText
    kind: Literal["webinar", "event"]
    sender_role: Literal["marketing", "ceo", "hr"] = "marketing"
    sender: EmailStr | None = None
    title: ShortText
    url: Annotated[str, StringConstraints(max_length=1000, pattern=r"^https?://\S+$")] | None = None
    starts_at: EventStart | None = None
    message: Annotated[str, StringConstraints(max_length=1000)] | None = None
    segment: Segment = Field(default_factory=Segment)


class CampaignOut(BaseModel):
    id: uuid.UUID
    external_id: str | None = None
    workflow_id: str
    name: str
    kind: str
    title: str | None
    segment: dict[str, Any]
    invited: int
    created_at: datetime
