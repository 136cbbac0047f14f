"""What `classify` tells about one message: plain, frozen data, safe to compare in tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from rapport.vocabulary import BounceSeverity, InboundKind


@dataclass(frozen=True)
class BouncedRecipient:
    """One recipient a delivery report says failed (or is delayed)."""

    address: str | None
    severity: BounceSeverity
    # RFC 3463 enhanced status code such as "5.1.1"; None when the report gave none.
    status: str | None = None
    # RFC 3464 Action: failed / delayed (None for reports that are not RFC 3464).
    action: str | None = None
    # The remote server's words (Diagnostic-Code), else the best line of the report.
    diagnostic: str | None = None


@dataclass(frozen=True)
class BounceReport:
    severity: BounceSeverity
    status: str | None
    reason: str | None
    recipient: str | None
    recipients: tuple[BouncedRecipient, ...]
    # "dsn": an RFC 3464 report; "heuristic": a non-standard one read by flufl.bounce or by
    # the status code in its text.
    source: str


@dataclass(frozen=True)
class ComplaintReport:
    # RFC 5965 Feedback-Type (abuse, fraud, virus, other, …); "abuse" for a JMRP-style report.
    feedback_type: str
    recipient: str | None
    user_agent: str | None
    # "arf" (RFC 5965) or "jmrp" (Microsoft's older shape: the message attached, no report part).
    source: str


@dataclass(frozen=True)
class InboundMessage:
    """One raw RFC 5322 message, classified.

    `kind` is `reply` for any message a person seems to have written: whether it belongs to a
    candidate is for the caller to decide (through `touch_digests`, then `sender`); a reply
    that matches nobody is then kept as `unmatched`. `classify` itself answers `unmatched`
    only for bytes it cannot read as a message (see `reason`).
    """

    kind: InboundKind
    # Why this kind, in a few words ("Auto-Submitted: auto-replied", "DSN 5.1.1", …).
    reason: str
    # The message's own Message-ID ("<…>"), or None when it has none.
    message_id: str | None
    # What inbound processing is idempotent by: the Message-ID, else "sha256:<hex>" of the
    # bytes read.
    idempotency_key: str
    sender: str | None
    subject: str
    in_reply_to: tuple[str, ...] = ()
    # In-Reply-To first, then References newest first; duplicates dropped.
    references: tuple[str, ...] = ()
    # The token of a VERP address (bounces+<token>@…) the message was delivered to.
    verp_token: str | None = None
    # The Message-ID of the message a bounce or complaint is about (its enclosed copy).
    original_message_id: str | None = None
    # The 32-hex digests of Rapport's own Message-IDs this message points at, most reliable
    # first (VERP token, original Message-ID, In-Reply-To, References): what to match
    # touches by (activities.mail derives them: sha256 of the touch's idempotency key).
    touch_digests: tuple[str, ...] = ()
    # Sent by a machine: an automatic reply, a bounce, a complaint report.
    automated: bool = False
    # For a reply: the new text, quoted history and signature separators stripped.
    reply_text: str | None = None
    # For a reply: the text asks, in so many words, not to be written to again.
    stop_request: bool = False
    stop_phrase: str | None = None
    bounce: BounceReport | None = None
    complaint: ComplaintReport | None = None
    # More bytes came than were read (`classify`'s max_bytes).
    truncated: bool = False
    defects: tuple[str, ...] = field(default=())

    @property
    def bounce_severity(self) -> BounceSeverity | None:
        return self.bounce.severity if self.bounce else None

    @property
    def status_code(self) -> str | None:
        return self.bounce.status if self.bounce else None
