"""`classify`: raw RFC 5322 bytes in, an `InboundMessage` out, and never an exception.

The order matters: complaint reports and bounces come from machines that also mark them
`Auto-Submitted`, so they are recognised before automatic replies; whatever is left was
written by a person.
"""

from __future__ import annotations

import email
import hashlib
import logging
from dataclasses import replace
from email.message import Message

from rapport.inbound.automatic import automatic_reason
from rapport.inbound.bounces import bounce_report, is_delivery_status, looks_like_bounce
from rapport.inbound.complaints import complaint_report, original_mail_from
from rapport.inbound.enclosed import original_message_id
from rapport.inbound.headers import (
    field_text,
    own_message_id,
    rapport_digest,
    sender,
    thread_ids,
    unique,
)
from rapport.inbound.replies import reply_text, stop_request
from rapport.inbound.result import InboundMessage
from rapport.inbound.text import all_text, body_text
from rapport.inbound.verp import delivered_verp_token, read_verp_address
from rapport.vocabulary import InboundKind

# Bytes past this are not read (the API answers 413 before; IMAP reads are cut to it too).
MAX_MESSAGE_BYTES = 4 * 1024 * 1024
# A message must open with a header block: a field within the first bytes.
_HEADER_PROBE_BYTES = 64 * 1024

log = logging.getLogger(__name__)


def _digest_key(raw: bytes) -> str:
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def _unreadable(raw: bytes, reason: str, *, truncated: bool) -> InboundMessage:
    return InboundMessage(
        kind=InboundKind.UNMATCHED,
        reason=reason,
        message_id=None,
        idempotency_key=_digest_key(raw),
        sender=None,
        subject="",
        truncated=truncated,
    )


def _has_header(raw: bytes) -> bool:
    head = raw[:_HEADER_PROBE_BYTES].lstrip(b"\r\n")
    first_line = head.split(b"\n", 1)[0]
    name, colon, _ = first_line.partition(b":")
    if first_line.startswith(b"From "):  # an mbox "From " line before the header
        return True
    return bool(colon) and bool(name.strip()) and b" " not in name.strip()


def classify(
    raw: bytes, *, max_bytes: int = MAX_MESSAGE_BYTES, verp_domain: str | None = None
) -> InboundMessage:
    """Parse and classify one raw message; at most `max_bytes` of it are read.

    Bytes that are no message (empty, no header block) give kind `unmatched` with the reason;
    any other failure while reading gives `unmatched` too, never an exception.
    """
    truncated = len(raw) > max_bytes
    data = bytes(raw[:max_bytes])
    if not data.strip():
        return _unreadable(data, "empty message", truncated=truncated)
    if not _has_header(data):
        return _unreadable(data, "no header block: not an RFC 5322 message", truncated=truncated)
    try:
        message = email.message_from_bytes(data)
        return _classify(message, data, truncated=truncated, verp_domain=verp_domain)
    except Exception as error:  # malformed input of a kind not foreseen: keep it for review
        log.warning("could not classify a message: %r", error)
        return _unreadable(data, f"unreadable message: {type(error).__name__}", truncated=truncated)


def _classify(
    message: Message, data: bytes, *, truncated: bool, verp_domain: str | None
) -> InboundMessage:
    message_id = own_message_id(message)
    who = sender(message)
    subject = field_text(message, "Subject")
    in_reply_to, references = thread_ids(message)
    verp_token = delivered_verp_token(message, domain=verp_domain)
    base = InboundMessage(
        kind=InboundKind.REPLY,
        reason="written by a person",
        message_id=message_id,
        idempotency_key=message_id or _digest_key(data),
        sender=who,
        subject=subject,
        in_reply_to=in_reply_to,
        references=references,
        verp_token=verp_token,
        truncated=truncated,
        defects=tuple(sorted({type(defect).__name__ for defect in message.defects})),
    )
    thread_digests = [rapport_digest(value) for value in references]

    complaint = complaint_report(message, who, subject)
    bounce_like = looks_like_bounce(message, who, subject)
    if complaint is not None or is_delivery_status(message) or bounce_like:
        text = all_text(message)
        original = original_message_id(message, text)
        if verp_token is None:
            # The report may state the envelope sender (a VERP address) of what it reports.
            mail_from = original_mail_from(message)
            verp_token = read_verp_address(mail_from, domain=verp_domain) if mail_from else None
            base = replace(base, verp_token=verp_token)
        digests = unique([verp_token, rapport_digest(original), *thread_digests])
        report = replace(base, original_message_id=original, touch_digests=digests, automated=True)
        if complaint is not None:
            reason = f"feedback report ({complaint.source}): {complaint.feedback_type}"
            return replace(report, kind=InboundKind.COMPLAINT, reason=reason, complaint=complaint)
        bounce = bounce_report(message, text, bounce_like=bounce_like)
        if bounce is not None:
            reason = f"{bounce.severity} bounce ({bounce.source}): {bounce.status or 'no status'}"
            return replace(report, kind=InboundKind.BOUNCE, reason=reason, bounce=bounce)
        if is_delivery_status(message):
            reason = "delivery status notification without a failure"
            return replace(report, kind=InboundKind.AUTO_REPLY, reason=reason)
        if bounce_like and (original or verp_token):
            # A failure notice that names no recipient and no status: kept for review.
            reason = "a delivery failure notice with no recipient or status to read"
            return replace(report, kind=InboundKind.UNMATCHED, reason=reason)

    automatic = automatic_reason(message, subject)
    digests = unique([verp_token, *thread_digests])
    if automatic is not None:
        return replace(
            base,
            kind=InboundKind.AUTO_REPLY,
            reason=automatic,
            touch_digests=digests,
            automated=True,
        )
    text = reply_text(body_text(message))
    phrase = stop_request(text)
    return replace(
        base,
        touch_digests=digests,
        reply_text=text,
        stop_request=phrase is not None,
        stop_phrase=phrase,
    )
