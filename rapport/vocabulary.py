"""The words of the design, shared by the API, the database and the workflows (no I/O here)."""

from enum import StrEnum


class Occasion(StrEnum):
    BIRTHDAY = "birthday"
    WORK_ANNIVERSARY = "work_anniversary"
    CHECK_IN = "check_in"
    EVENT_FOLLOW_UP = "event_follow_up"
    VACANCY = "vacancy"
    INVITATION = "invitation"


class Channel(StrEnum):
    EMAIL = "email"
    LINKEDIN_MESSAGE = "linkedin_message"
    LINKEDIN_POST = "linkedin_post"
    HANDWRITTEN_NOTE = "handwritten_note"


class SenderRole(StrEnum):
    HR = "hr"
    EMPLOYEE = "employee"
    MARKETING = "marketing"
    CEO = "ceo"


class RelationshipOrigin(StrEnum):
    IN_PERSON_EVENT = "in_person_event"
    FORMER_COLLEAGUE = "former_colleague"
    REFERRAL = "referral"
    LINKEDIN_CONNECTION = "linkedin_connection"
    COLD_OUTREACH = "cold_outreach"


class Rapport(StrEnum):
    STRONG = "strong"
    WARM = "warm"
    COLD = "cold"


class Stage(StrEnum):
    NURTURING = "nurturing"
    ENGAGED = "engaged"
    PAUSED = "paused"
    OPTED_OUT = "opted_out"
    HIRED = "hired"
    ARCHIVED = "archived"
    ERASED = "erased"


class TouchStatus(StrEnum):
    SCHEDULED = "scheduled"
    AWAITING_OWNER = "awaiting_owner"
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"


class Sentiment(StrEnum):
    INTERESTED = "interested"
    NOT_NOW = "not_now"
    NOT_INTERESTED = "not_interested"
    # A reply read from a mailbox or the inbound endpoint, until its owner classifies it.
    UNCLASSIFIED = "unclassified"


# What an owner may say a reply meant (every sentiment but `unclassified`).
CLASSIFIED = (Sentiment.INTERESTED, Sentiment.NOT_NOW, Sentiment.NOT_INTERESTED)


class InteractionType(StrEnum):
    MET_IN_PERSON = "met_in_person"
    REPLIED = "replied"


class TaskStatus(StrEnum):
    OPEN = "open"
    SENT = "sent"
    SKIPPED = "skipped"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    # A task that asked for something other than a send (classifying a reply), done.
    DONE = "done"


class TaskKind(StrEnum):
    """What a task asks of its owner."""

    SEND = "send"  # an assisted draft to send by hand
    FOLLOW_UP = "follow_up"  # an interested reply: follow up in person
    CLASSIFY_REPLY = "classify_reply"  # a reply came in: say what it meant


class InvitationKind(StrEnum):
    WEBINAR = "webinar"
    EVENT = "event"
    CONNECT = "connect"


class InboundKind(StrEnum):
    """What a message that came back is (design: "inbound kind")."""

    REPLY = "reply"
    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"
    COMPLAINT = "complaint"
    UNMATCHED = "unmatched"


class BounceSeverity(StrEnum):
    HARD = "hard"
    SOFT = "soft"


class EmailStatus(StrEnum):
    UNKNOWN = "unknown"
    DELIVERABLE = "deliverable"
    BOUNCED = "bounced"
    COMPLAINED = "complained"


class MatchStatus(StrEnum):
    """What became of one candidate a vacancy matched."""

    MATCHED = "matched"  # not reached yet
    NOTIFIED = "notified"
    SKIPPED = "skipped"
    REPLIED = "replied"
    CANCELLED = "cancelled"  # the vacancy closed before the message went out


class VacancyStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class InboundStatus(StrEnum):
    """What inbound processing made of a message."""

    PROCESSED = "processed"  # matched to a candidate, its effect applied
    UNMATCHED = "unmatched"  # matched nobody: kept for review
    DUPLICATE = "duplicate"  # seen before (an answer only, never a stored status)


class InboundSource(StrEnum):
    WEBHOOK = "webhook"
    MAILBOX = "mailbox"


class MailboxHealth(StrEnum):
    """How reading a connected mailbox went last (the `RapportMailboxHealth` search attribute)."""

    NEW = "new"  # not read yet
    OK = "ok"
    LOGIN_FAILED = "login_failed"  # the server refused the credentials: a person must fix them
    UNREACHABLE = "unreachable"  # cannot connect, or the folder cannot be read: retried
