"""The original message a bounce or a complaint report carries back (its headers at least).

RFC 3464 and RFC 5965 put it in a `message/rfc822` part, or only its header in a
`text/rfc822-headers` part; non-standard bounces often paste it into the text after a line
such as "--- Below this line is a copy of the message." Its Message-ID is what matches the
report to the touch that caused it.
"""

from __future__ import annotations

import re
from email.message import Message
from email.parser import BytesHeaderParser

from rapport.inbound.headers import message_ids, own_message_id

_HEADER_PARTS = ("text/rfc822-headers", "message/rfc822-headers", "text/rfc822-header")
_PASTED_MESSAGE_ID = re.compile(r"^[ >]*Message-ID:[ \t]*(<[^<>\s]{1,250}>)", re.I | re.M)
_MAX_HEADER_BYTES = 256 * 1024


def _walk(message: Message, depth: int = 0) -> list[Message]:
    """Every part, depth first, bounded in depth and count."""
    if depth > 10:
        return []
    found = [message]
    payload = message.get_payload()
    if message.is_multipart() and isinstance(payload, list):
        for part in payload[:100]:
            if isinstance(part, Message):
                found.extend(_walk(part, depth + 1))
    return found


def parts(message: Message) -> list[Message]:
    return _walk(message)


def enclosed_message(message: Message) -> Message | None:
    """The returned message (or its header block) inside a report, or None."""
    for part in _walk(message)[1:]:
        content_type = part.get_content_type()
        if content_type == "message/rfc822":
            payload = part.get_payload()
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                return payload[0]
        elif content_type in _HEADER_PARTS:
            try:
                raw = part.get_payload(decode=True)
            except (ValueError, TypeError, LookupError, AssertionError):
                continue
            if isinstance(raw, bytes) and raw.strip():
                return BytesHeaderParser().parsebytes(raw[:_MAX_HEADER_BYTES].lstrip())
    return None


def original_message_id(message: Message, text: str) -> str | None:
    """The Message-ID of the returned message: from its enclosed copy, else from a header
    line pasted into the report's `text` (never the report's own Message-ID)."""
    enclosed = enclosed_message(message)
    if enclosed is not None:
        found = own_message_id(enclosed)
        if found:
            return found
    own = own_message_id(message)
    for match in _PASTED_MESSAGE_ID.finditer(text):
        ids = message_ids(match.group(1))
        if ids and ids[0] != own:
            return ids[0]
    return None
