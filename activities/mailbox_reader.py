"""Reading a connected mailbox over IMAP (imap-tools): the messages after a stored position.

A position is the folder's UIDVALIDITY and the last UID read. `MailboxReader.read` returns the
next messages in UID order, at most `batch_size`, with the position after them; the caller
stores that position in the same transaction as the messages, so that after a crash nothing
is read twice or skipped. When the folder's UIDVALIDITY is not the stored one (the folder was
recreated, or the server renumbered it: old UIDs mean nothing any more), reading restarts
from the first message and the batch says `restarted`; messages read again are recognised by
their Message-ID, which inbound processing is idempotent by.

The folder is opened read-only (EXAMINE) and bodies fetched with BODY.PEEK, so reading leaves
no \\Seen flag behind in the person's mailbox. Each message is read up to `max_message_bytes`.

Synchronous (imaplib underneath): a Temporal activity calls it from a thread. The raw bytes
are personal data: an activity stores them in PostgreSQL and returns only counts and the
position, never the messages themselves.
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import ssl
from dataclasses import dataclass
from enum import StrEnum

from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.errors import ImapToolsError, MailboxLoginError
from imap_tools.utils import encode_folder

from rapport.inbound import MAX_MESSAGE_BYTES

_UID = re.compile(rb"\bUID (\d+)")
_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")


class Security(StrEnum):
    SSL = "ssl"  # implicit TLS, port 993
    STARTTLS = "starttls"  # port 143, upgraded
    NONE = "none"  # plaintext: only for a server on localhost (tests)


class LoginMethod(StrEnum):
    PASSWORD = "password"
    XOAUTH2 = "xoauth2"


@dataclass(frozen=True)
class MailboxAccount:
    host: str
    port: int
    username: str
    # The password, or the OAuth2 access token for XOAUTH2.
    secret: str
    login_method: LoginMethod = LoginMethod.PASSWORD
    folder: str = "INBOX"
    security: Security = Security.SSL

    def __repr__(self) -> str:  # never the secret
        return f"MailboxAccount({self.username}@{self.host}:{self.port}/{self.folder})"


@dataclass(frozen=True)
class MailboxPosition:
    """Where reading stands: (0, 0) before anything was read."""

    uidvalidity: int = 0
    last_uid: int = 0


@dataclass(frozen=True)
class FetchedMessage:
    uid: int
    raw: bytes
    # The size the server reports; more than len(raw) when the message was cut.
    size: int

    @property
    def truncated(self) -> bool:
        return self.size > len(self.raw)


@dataclass(frozen=True)
class MailboxBatch:
    messages: tuple[FetchedMessage, ...]
    # The position after this batch: store it with the messages.
    position: MailboxPosition
    # The folder's UIDVALIDITY was not the stored one: reading started over from UID 1.
    restarted: bool
    # How many newer messages are left after this batch (read them with `position`).
    remaining: int


class MailboxError(Exception):
    """Reading the mailbox failed; worth retrying later."""


class MailboxLoginFailed(MailboxError):
    """The server refused the login (wrong password, expired or revoked token): a person must
    fix the mailbox's credentials; retrying as is will not help. `temporary` when the server
    said the failure is passing (IMAP [UNAVAILABLE])."""

    def __init__(self, message: str, *, temporary: bool = False) -> None:
        super().__init__(message)
        self.temporary = temporary


class MailboxReader:
    def __init__(
        self,
        account: MailboxAccount,
        *,
        timeout: float = 30.0,
        max_message_bytes: int = MAX_MESSAGE_BYTES,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.account = account
        self._timeout = timeout
        self._max_bytes = max_message_bytes
        self._ssl_context = ssl_context

    def _connect(self) -> MailBox | MailBoxStartTls | MailBoxUnencrypted:
        account = self.account
        try:
            if account.security is Security.SSL:
                context = self._ssl_context or ssl.create_default_context()
                return MailBox(account.host, account.port, self._timeout, ssl_context=context)
            if account.security is Security.STARTTLS:
                context = self._ssl_context or ssl.create_default_context()
                return MailBoxStartTls(account.host, account.port, self._timeout, context)
            return MailBoxUnencrypted(account.host, account.port, self._timeout)
        except (OSError, imaplib.IMAP4.error) as error:
            raise MailboxError(
                f"cannot connect to {account.host}:{account.port}: {error}"
            ) from error

    def _login(self, mailbox: MailBox | MailBoxStartTls | MailBoxUnencrypted) -> None:
        account = self.account
        try:
            if account.login_method is LoginMethod.XOAUTH2:
                mailbox.xoauth2(account.username, account.secret, initial_folder=None)
            else:
                mailbox.login(account.username, account.secret, initial_folder=None)
        except (MailboxLoginError, imaplib.IMAP4.error) as error:
            text = str(error)
            raise MailboxLoginFailed(
                f"login refused for {account.username}: {text}", temporary="UNAVAILABLE" in text
            ) from error

    def read(self, position: MailboxPosition, *, batch_size: int = 50) -> MailboxBatch:
        """The messages after `position`, oldest first, at most `batch_size` of them."""
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        mailbox = self._connect()
        try:
            self._login(mailbox)
            return self._read(mailbox.client, position, batch_size)
        except (OSError, ImapToolsError, imaplib.IMAP4.error) as error:
            raise MailboxError(f"reading {self.account!r} failed: {error}") from error
        finally:
            with contextlib.suppress(OSError, ImapToolsError, imaplib.IMAP4.error):
                mailbox.logout()

    def _read(
        self, client: imaplib.IMAP4, position: MailboxPosition, batch_size: int
    ) -> MailboxBatch:
        folder = encode_folder(self.account.folder).decode("ascii")
        status, data = client.select(folder, readonly=True)
        if status != "OK":
            raise MailboxError(f"cannot open folder {self.account.folder!r}: {data!r}")
        uidvalidity = int(client.response("UIDVALIDITY")[1][0] or 0)
        restarted = uidvalidity != position.uidvalidity and position != MailboxPosition()
        last_uid = 0 if uidvalidity != position.uidvalidity else position.last_uid
        status, data = client.uid("SEARCH", f"UID {last_uid + 1}:*")
        if status != "OK":
            raise MailboxError(f"UID SEARCH failed: {data!r}")
        # "n:*" always matches the highest UID, even one below n: keep only the new ones.
        uids = sorted(int(value) for value in (data[0] or b"").split() if int(value) > last_uid)
        batch = uids[:batch_size]
        messages = self._fetch(client, batch) if batch else []
        return MailboxBatch(
            messages=tuple(messages),
            position=MailboxPosition(uidvalidity, batch[-1] if batch else last_uid),
            restarted=restarted,
            remaining=len(uids) - len(batch),
        )

    def _fetch(self, client: imaplib.IMAP4, uids: list[int]) -> list[FetchedMessage]:
        items = f"(UID RFC822.SIZE BODY.PEEK[]<0.{self._max_bytes}>)"
        status, data = client.uid("FETCH", ",".join(str(uid) for uid in uids), items)
        if status != "OK":
            raise MailboxError(f"UID FETCH failed: {data!r}")
        found: dict[int, FetchedMessage] = {}
        pending: tuple[bytes, bytes] | None = None
        # imaplib gives (b"1 (UID 5 RFC822.SIZE 120 BODY[]<0> {120}", raw) then b")" — or
        # b" UID 5)" when the server puts UID after the body: read both together.
        for item in [*data, b""]:
            if isinstance(item, tuple):
                if pending is not None:
                    self._add(found, pending[0], pending[1])
                pending = (item[0], item[1])
            elif pending is not None:
                self._add(found, pending[0] + b" " + (item or b""), pending[1])
                pending = None
        # A message expunged meanwhile is simply gone; its UID is never used again.
        return [found[uid] for uid in uids if uid in found]

    @staticmethod
    def _add(found: dict[int, FetchedMessage], meta: bytes, raw: bytes) -> None:
        uid, size = _UID.search(meta), _SIZE.search(meta)
        if uid is None:
            return
        value = int(uid.group(1))
        found[value] = FetchedMessage(value, raw, int(size.group(1)) if size else len(raw))
