"""Complaints: a recipient marked a message as spam, and their provider tells the sender.

RFC 5965 (ARF): `multipart/report; report-type=feedback-report` with a human-readable part, a
`message/feedback-report` part (`Feedback-Type: abuse`, `User-Agent`, `Version`,
`Original-Rcpt-To`, …) and the reported message (or its header) enclosed. Yahoo, AOL,
Comcast and most feedback loops send this; many redact the recipient, so the enclosed
Message-ID (and the VERP token) is what identifies the touch. A `not-spam` report is no
complaint.

Microsoft's JMRP also sent an older shape: from staff@hotmail.com (or a Microsoft address),
subject "complaint about message from <ip>", the message attached as message/rfc822, the
recipient in the enclosed `X-HmXmrOriginalRecipient` field.
"""

from __future__ import annotations

import re
from email.message import Message

from rapport.inbound.enclosed import enclosed_message, parts
from rapport.inbound.headers import addresses, field_text, normalise_address
from rapport.inbound.result import ComplaintReport

_NOT_COMPLAINTS = {"not-spam"}
_JMRP_SUBJECT = re.compile(r"^complaint about message from", re.IGNORECASE)
_JMRP_SENDERS = re.compile(r"@(?:hotmail|outlook|live|msn|microsoft)\.com$")


def _feedback_fields(message: Message) -> Message | None:
    for part in parts(message):
        if part.get_content_type() == "message/feedback-report":
            payload = part.get_payload()
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                return payload[0]
            return Message()
    return None


def is_feedback_report(message: Message) -> bool:
    report_type = str(message.get_param("report-type") or "").lower()
    if message.get_content_type() == "multipart/report" and report_type == "feedback-report":
        return True
    return _feedback_fields(message) is not None


def original_mail_from(message: Message) -> str | None:
    """The envelope sender of the reported message, as the report states it: the feedback
    report's Original-Mail-From, else the enclosed message's Return-Path."""
    fields = _feedback_fields(message)
    value = field_text(fields, "Original-Mail-From") if fields is not None else ""
    if not value:
        enclosed = enclosed_message(message)
        value = field_text(enclosed, "Return-Path") if enclosed is not None else ""
    return normalise_address(value) if value else None


def _enclosed_recipient(message: Message) -> str | None:
    enclosed = enclosed_message(message)
    if enclosed is None:
        return None
    for name in ("X-HmXmrOriginalRecipient", "To"):
        found = addresses(enclosed, name)
        if found:
            return found[0]
    return None


def complaint_report(message: Message, sender: str | None, subject: str) -> ComplaintReport | None:
    """The complaint `message` reports, or None when it is not a complaint report."""
    if is_feedback_report(message):
        fields = _feedback_fields(message) or Message()
        feedback_type = field_text(fields, "Feedback-Type").lower() or "abuse"
        if feedback_type in _NOT_COMPLAINTS:
            return None
        recipient = None
        for name in ("Original-Rcpt-To", "Removal-Recipient"):
            value = field_text(fields, name)
            recipient = normalise_address(value) if value else None
            if recipient:
                break
        return ComplaintReport(
            feedback_type=feedback_type,
            recipient=recipient or _enclosed_recipient(message),
            user_agent=field_text(fields, "User-Agent") or None,
            source="arf",
        )
    jmrp = bool(sender and _JMRP_SENDERS.search(sender) and _JMRP_SUBJECT.search(subject))
    if jmrp and enclosed_message(message) is not None:
        return ComplaintReport(
            feedback_type="abuse",
            recipient=_enclosed_recipient(message),
            user_agent=None,
            source="jmrp",
        )
    return None
