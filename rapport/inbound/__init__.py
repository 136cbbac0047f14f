"""Reading what comes back: replies, automatic replies, bounces and complaint reports.

Pure parsing and classification of raw RFC 5322 messages (bytes in, frozen dataclasses out)
and the VERP return-path helpers. No database, no network, no Temporal, no settings: it may
import the standard library's email package, `rapport.vocabulary`, and the parsing libraries
mail-parser-reply and flufl.bounce (`make lint` checks). Reading mailboxes over IMAP is I/O
and lives in `activities.mailbox_reader`; what a message does to a candidate is for the
activities and workflows that call `classify`.

- `classify(raw) -> InboundMessage` (rapport.inbound.classify): kind, reason, ids, sender,
  reply text and stop request, bounce or complaint report. Never raises.
- `verp_address`, `read_verp_address`, `token_for_message_id` (rapport.inbound.verp).
- `rapport_digest` (rapport.inbound.headers): the 32-hex digest of Rapport's own Message-IDs.
"""

from rapport.inbound.classify import MAX_MESSAGE_BYTES, classify
from rapport.inbound.headers import rapport_digest
from rapport.inbound.replies import reply_text, stop_request
from rapport.inbound.result import BouncedRecipient, BounceReport, ComplaintReport, InboundMessage
from rapport.inbound.verp import (
    VerpError,
    delivered_verp_token,
    read_verp_address,
    token_for_message_id,
    verp_address,
)

__all__ = [
    "MAX_MESSAGE_BYTES",
    "BounceReport",
    "BouncedRecipient",
    "ComplaintReport",
    "InboundMessage",
    "VerpError",
    "classify",
    "delivered_verp_token",
    "rapport_digest",
    "read_verp_address",
    "reply_text",
    "stop_request",
    "token_for_message_id",
    "verp_address",
]
