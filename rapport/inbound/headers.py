"""Reading header fields safely: decoded text, addresses, Message-IDs and Rapport's digests.

Every function here takes what the email package parsed (compat32 policy, which never raises
on a malformed field) and gives plain strings; nothing raises on bad input.
"""

from __future__ import annotations

import re
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parseaddr

# A header field longer than this is cut before it is decoded or searched.
MAX_FIELD_CHARS = 8192
# At most this many ids are taken from References (a long thread keeps the newest).
MAX_REFERENCES = 50

_MESSAGE_ID = re.compile(r"<([^<>\s]{1,250})>")
# Rapport's own Message-IDs: <32 lowercase hex chars@domain> (activities.mail.Mailer).
_RAPPORT_ID = re.compile(r"^<([0-9a-f]{32})@[^<>@\s]+>$")
_ADDRESS = re.compile(r"^[^@\s<>\"(),;:]{1,64}@[A-Za-z0-9.-]{1,253}$")


def field_text(message: Message, name: str) -> str:
    """The field decoded from RFC 2047 words to text; "" when absent or unreadable."""
    raw = message.get(name)
    if raw is None:
        return ""
    value = str(raw)[:MAX_FIELD_CHARS]
    try:
        decoded = str(make_header(decode_header(value)))
    except (ValueError, LookupError, UnicodeError, TypeError, AssertionError):
        decoded = value
    return " ".join(decoded.split())


def field_values(message: Message, name: str) -> list[str]:
    """Every occurrence of a field, raw (unfolded), each cut to MAX_FIELD_CHARS."""
    values = message.get_all(name) or []
    return [" ".join(str(value)[:MAX_FIELD_CHARS].split()) for value in values]


def normalise_address(value: str) -> str | None:
    """A bare address, lowercased, or None when `value` holds none that looks like one."""
    try:
        _, address = parseaddr(value)
    except (ValueError, TypeError, IndexError):
        return None
    address = address.strip().strip("<>").lower()
    return address if _ADDRESS.match(address) else None


def addresses(message: Message, name: str) -> list[str]:
    """Every address in every occurrence of a field, normalised; unreadable ones dropped."""
    found: list[str] = []
    try:
        pairs = getaddresses(field_values(message, name))
    except (ValueError, TypeError, IndexError):
        return found
    for _, address in pairs:
        normalised = normalise_address(address)
        if normalised and normalised not in found:
            found.append(normalised)
    return found


def sender(message: Message) -> str | None:
    """Who wrote it: From, else Sender, else Reply-To."""
    for name in ("From", "Sender", "Reply-To"):
        found = addresses(message, name)
        if found:
            return found[0]
    return None


def message_ids(text: str) -> list[str]:
    """The `<…>` ids in a field's text, in order, without repeats."""
    found: list[str] = []
    for match in _MESSAGE_ID.finditer(text):
        value = f"<{match.group(1)}>"
        if value not in found:
            found.append(value)
    return found


def own_message_id(message: Message) -> str | None:
    ids = message_ids(" ".join(field_values(message, "Message-ID")))
    return ids[0] if ids else None


def thread_ids(message: Message) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(In-Reply-To ids, all referenced ids: In-Reply-To first, then References newest first)."""
    in_reply_to = message_ids(" ".join(field_values(message, "In-Reply-To")))
    references = message_ids(" ".join(field_values(message, "References")))
    ordered = list(in_reply_to)
    for value in reversed(references[-MAX_REFERENCES:]):
        if value not in ordered:
            ordered.append(value)
    return tuple(in_reply_to), tuple(ordered)


def rapport_digest(message_id: str | None) -> str | None:
    """The 32-hex digest of one of Rapport's own Message-IDs, or None for any other id."""
    if not message_id:
        return None
    match = _RAPPORT_ID.match(message_id.strip().lower())
    return match.group(1) if match else None


def unique(values: list[str | None]) -> tuple[str, ...]:
    found: list[str] = []
    for value in values:
        if value and value not in found:
            found.append(value)
    return tuple(found)
