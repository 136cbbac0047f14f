"""What crosses the mailbox workflow's hops: its input, and what one read reports. Ids, counts
and a health word only: no address, no server, no message text, no error text (that stays in
the mailbox's row)."""

from __future__ import annotations

from dataclasses import dataclass

from rapport.vocabulary import MailboxHealth


@dataclass
class MailboxInput:
    mailbox_id: str
    # RAPPORT_MAILBOX_POLL_SECONDS when it was started (or continued as new).
    poll_seconds: int = 60
    # The health last published as the search attribute, carried across continue-as-new.
    health: MailboxHealth = MailboxHealth.NEW


@dataclass
class ReadMailboxInput:
    mailbox_id: str


@dataclass
class ReadMailboxResult:
    # False: the mailbox was deleted or disabled; its workflow ends.
    active: bool
    health: MailboxHealth = MailboxHealth.NEW
    stored: int = 0  # messages read and stored by this run (duplicates included)
    remaining: int = 0  # newer messages left after this batch: read again at once
    consecutive_failures: int = 0
    notices: int = 0  # signals delivered to candidate workflows
