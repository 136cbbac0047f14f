"""Bounces: RFC 3464 delivery status notifications, and the many non-standard ones.

An RFC 3464 report (`multipart/report; report-type=delivery-status`) names each recipient
(`Final-Recipient`), what happened (`Action`: failed, delayed, delivered, …) and an RFC 3463
status: 5.x.x is permanent (a hard bounce), 4.x.x transient (soft). A report whose recipients
were all delivered, relayed or expanded is no bounce at all.

Anything else that looks like a delivery failure (sent by a mailer daemon, a bounce subject,
`X-Failed-Recipients`) is read by flufl.bounce's detectors (qmail, Exim, Exchange, Yahoo, …):
the addresses it finds are hard bounces unless it calls them temporary or the text carries
only 4.x.x codes. A failure notice nobody can read a recipient or a status from is not a
bounce: `bounce_report` gives None and the message is kept for review.
"""

from __future__ import annotations

import logging
import re
from email.message import Message

from flufl.bounce import all_failures

from rapport.inbound.enclosed import parts
from rapport.inbound.headers import addresses, normalise_address
from rapport.inbound.result import BouncedRecipient, BounceReport
from rapport.vocabulary import BounceSeverity

_STATUS = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d]|\.\d)")
_SMTP_LINE = re.compile(r"(?:^|[\s:(#])([45]\d\d)[\s-]")
_DAEMONS = {"mailer-daemon", "mailerdaemon", "mail-daemon", "postmaster", "mdaemon", "bounce"}
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|undelivered mail|delivery (?:status notification|failure|has failed|failed)"
    r"|mail delivery (?:failed|failure|subsystem)|failure notice|returned mail"
    r"|delivery notification|could not be delivered|nondeliverable|non remis|non distribuable"
    r"|unzustellbar|nicht zustellbar|no se (?:puede|pudo) entregar|onbestelbaar"
    r"|non recapitabile|delayed mail|warning: message .* delayed",
    re.IGNORECASE,
)
_TEMPORARY_WORDS = re.compile(
    r"will (?:retry|be retried|continue trying)|delayed|not yet been delivered|temporar"
    r"|try again later|vorübergehend|verzögert",
    re.IGNORECASE,
)
_NOT_FAILED = {"delivered", "relayed", "expanded"}

log = logging.getLogger(__name__)


def _strip_type(value: str) -> str:
    """`rfc822; a@b` → `a@b`, `smtp; 550 …` → `550 …` (RFC 3464 typed fields)."""
    _, semicolon, rest = value.partition(";")
    return (rest if semicolon else value).strip()


def _status(value: str) -> str | None:
    match = _STATUS.search(value)
    return ".".join(match.groups()) if match else None


def _severity(status: str | None, action: str | None) -> BounceSeverity:
    if status is not None:
        return BounceSeverity.HARD if status.startswith("5") else BounceSeverity.SOFT
    return BounceSeverity.SOFT if action == "delayed" else BounceSeverity.HARD


def _report(recipients: list[BouncedRecipient], source: str) -> BounceReport:
    hard = [r for r in recipients if r.severity is BounceSeverity.HARD]
    first = (hard or recipients)[0]
    return BounceReport(
        severity=first.severity,
        status=first.status,
        reason=first.diagnostic,
        recipient=first.address,
        recipients=tuple(recipients),
        source=source,
    )


def _status_blocks(message: Message) -> list[Message] | None:
    for part in parts(message):
        if part.get_content_type() == "message/delivery-status":
            payload = part.get_payload()
            blocks = payload if isinstance(payload, list) else []
            return [block for block in blocks if isinstance(block, Message)]
    return None


def is_delivery_status(message: Message) -> bool:
    return _status_blocks(message) is not None


def dsn_recipients(message: Message) -> list[BouncedRecipient] | None:
    """The failed and delayed recipients of an RFC 3464 report; None if it is no such report."""
    blocks = _status_blocks(message)
    if blocks is None:
        return None
    recipients: list[BouncedRecipient] = []
    for block in blocks:
        final = str(block.get("Final-Recipient") or block.get("Original-Recipient") or "")
        action = str(block.get("Action") or "").strip().lower() or None
        status = _status(str(block.get("Status") or ""))
        if not final and not action and not status:
            continue  # the per-message block (Reporting-MTA, Arrival-Date)
        if action in _NOT_FAILED or (action is None and status and status.startswith("2")):
            continue
        if action is None and status is None:
            continue
        diagnostic = " ".join(_strip_type(str(block.get("Diagnostic-Code") or "")).split())
        recipients.append(
            BouncedRecipient(
                address=normalise_address(_strip_type(final)) if final else None,
                severity=_severity(status, action),
                status=status,
                action=action,
                diagnostic=diagnostic[:500] or None,
            )
        )
    return recipients


def looks_like_bounce(message: Message, sender: str | None, subject: str) -> bool:
    if message.get("X-Failed-Recipients") is not None:
        return True
    if sender and sender.partition("@")[0] in _DAEMONS:
        return True
    return bool(subject and _BOUNCE_SUBJECT.search(subject))


def _reason_line(text: str, address: str | None) -> str | None:
    lines = [line.strip() for line in text.splitlines()]
    for line in lines:
        if _STATUS.search(line) or _SMTP_LINE.search(f" {line} "):
            return line[:500]
    if address:
        for index, line in enumerate(lines):
            if address in line.lower() and index + 1 < len(lines) and lines[index + 1]:
                return lines[index + 1][:500]
    return None


def heuristic_report(message: Message, text: str) -> BounceReport | None:
    """A non-standard bounce read by flufl.bounce, else by the status codes in its text."""
    try:
        temporary, permanent = all_failures(message)
    except Exception:  # a detector choking on a strange message must not stop the rest
        log.debug("flufl.bounce failed on a message", exc_info=True)
        temporary, permanent = frozenset(), frozenset()
    codes = [".".join(match.groups()) for match in _STATUS.finditer(text)]
    permanent_code = next((code for code in codes if code.startswith("5")), None)
    transient_code = next((code for code in codes if code.startswith("4")), None)
    clearly_temporary = permanent_code is None and (
        transient_code is not None or bool(_TEMPORARY_WORDS.search(text))
    )
    found: list[tuple[str | None, BounceSeverity]] = []
    for raw in sorted(permanent):
        severity = BounceSeverity.SOFT if clearly_temporary else BounceSeverity.HARD
        found.append((normalise_address(raw.decode("ascii", "replace")), severity))
    for raw in sorted(temporary - permanent):
        found.append((normalise_address(raw.decode("ascii", "replace")), BounceSeverity.SOFT))
    if not found:
        for failed in addresses(message, "X-Failed-Recipients"):
            severity = BounceSeverity.SOFT if clearly_temporary else BounceSeverity.HARD
            found.append((failed, severity))
    if not found and (permanent_code or transient_code):
        found.append((None, BounceSeverity.HARD if permanent_code else BounceSeverity.SOFT))
    if not found:
        return None
    recipients = []
    for address, severity in found:
        status = permanent_code if severity is BounceSeverity.HARD else transient_code
        recipients.append(
            BouncedRecipient(
                address=address,
                severity=severity,
                status=status,
                diagnostic=_reason_line(text, address),
            )
        )
    return _report(recipients, "heuristic")


def bounce_report(message: Message, text: str, *, bounce_like: bool) -> BounceReport | None:
    """The bounce `message` reports, or None when it reports none (a delivered DSN, or a
    message that neither is a DSN nor `bounce_like`)."""
    recipients = dsn_recipients(message)
    if recipients is not None:
        return _report(recipients, "dsn") if recipients else None
    if not bounce_like:
        return None
    return heuristic_report(message, text)
