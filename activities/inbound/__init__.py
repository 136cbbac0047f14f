"""Inbound processing: what a message that came back does to its candidate.

`InboundProcessor.ingest(raw, source=…, mailbox_id=…, session=…)` classifies a raw RFC 5322
message (rapport.inbound), stores it once by its idempotency key, matches it to a touch (by
the digests of Rapport's own Message-IDs it names) or else to the one candidate with the
sender's address, applies its effect in PostgreSQL, and answers an `IngestResult`
(rapport.contracts.inbound): ids, enums and the notices the candidate's workflow must get.
The caller delivers those notices as signals after committing, then calls `mark_notified`.

Both the webhook (api.inbound) and the mailbox reader feed it. It may import `rapport` (the
parser, contracts, repositories, facts); never `workflows` or `api`.
"""

from activities.inbound.processor import InboundProcessor, InboundSettings

__all__ = ["InboundProcessor", "InboundSettings"]
