"""SMTP delivery with aiosmtplib, telling a permanent refusal from a passing fault.

What leaves Rapport is what receivers parse, so the headers are written with the wire in mind:
Python's email policy folds a long word by RFC 2047-encoding it, which turns the
`List-Unsubscribe` URL into `=?utf-8?q?=3Chttps=3A//…?=`, a value no mail provider reads as a
link (RFC 2369 and 8058 want the literal `<https://…>`, and a URL may only be folded at
white space, which it has none of). Headers whose value is an ASCII token or URL are therefore
written verbatim on one line (RFC 5322 allows 998 octets); text with non-ASCII characters
(Subject, display names) is still RFC 2047-encoded by the policy, as it must be.
"""

from __future__ import annotations

import asyncio
import email.policy
import hashlib
import re
import socket
from collections.abc import Awaitable, Callable
from email.headerregistry import (
    Address,
    BaseHeader,
    HeaderRegistry,
    UniqueAddressHeader,
    UniqueUnstructuredHeader,
    UnstructuredHeader,
)
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Any, cast

import aiosmtplib

from rapport.inbound.verp import VerpError, token_for_message_id, verp_address

# RFC 5322 2.1.1: a line MUST NOT exceed 998 octets, not counting its CRLF.
MAX_LINE_OCTETS = 998
# RFC 2047 2: a line holding an encoded-word is at most 76 characters (so a word on its own
# continuation line is at most 75). Python folds at the policy's 78 and lets a word reach 76.
ENCODED_WORD_LINE = 76
# Printable ASCII and the space: anything else (CR, LF, NUL, 8-bit) has no place in these.
_VERBATIM_VALUE = re.compile(r"[\x20-\x7e]*")


class PermanentDeliveryError(Exception):
    """The server refused the message for good (5xx): retrying cannot help."""


class TemporaryDeliveryError(aiosmtplib.SMTPException):
    """The server refused the message for now (4xx): it certainly did not go out; retry."""


# Hooks around DATA: `before_data` runs once the server accepted the envelope (the last moment
# to record that the message is going out, and to call it off by raising); `after_data` runs
# the moment the server accepted the message, before QUIT and the goodbye, so that recording
# it is the only thing between its arrival and the record of it.
DataHook = Callable[[], Awaitable[None]]


class _SMTP(aiosmtplib.SMTP):
    def __init__(
        self, *args: Any, before_data: DataHook | None, after_data: DataHook | None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._before_data = before_data
        self._after_data = after_data

    async def data(self, *args: Any, **kwargs: Any) -> aiosmtplib.SMTPResponse:
        if self._before_data is not None:
            await self._before_data()
        response = await super().data(*args, **kwargs)  # raises unless the server took it
        if self._after_data is not None:
            await self._after_data()
        return response


class VerbatimHeader(UnstructuredHeader):
    """A header written exactly as given, on one line: never folded, never RFC 2047-encoded.

    For values that are ASCII by construction and must reach the receiver literally:
    `List-Unsubscribe` (a URL in angle brackets), `List-Unsubscribe-Post`, `Message-ID`,
    `Auto-Submitted`. A value that cannot be written so is refused when it is set, so the
    error surfaces while composing, not half-way through an SMTP exchange.
    """

    @classmethod
    def parse(cls, value: str, kwds: dict[str, Any]) -> None:
        if not _VERBATIM_VALUE.fullmatch(value):
            raise ValueError(f"header value must be printable ASCII on one line: {value!r}")
        # Bounded for the longest name these go under, so every one fits its single line.
        if len(value) > MAX_LINE_OCTETS - len("List-Unsubscribe-Post: "):
            raise ValueError(f"header value would exceed {MAX_LINE_OCTETS} octets on one line")
        super().parse(value, kwds)
        kwds["decoded"] = value  # not decoded: an `=?…?=` in a URL is part of the URL

    def fold(self, *, policy: email.policy.Policy) -> str:
        return f"{cast(BaseHeader, self).name}: {self}{policy.linesep}"


class _FoldsForEncodedWords:
    """Folds at RFC 2047's 76 characters, whichever policy serialises the message.

    A mixin before the registry's header class; the registry adds BaseHeader as the last base.
    """

    def fold(self, *, policy: email.policy.Policy) -> str:
        narrower = min(policy.max_line_length or ENCODED_WORD_LINE, ENCODED_WORD_LINE)
        return BaseHeader.fold(
            cast(BaseHeader, self), policy=policy.clone(max_line_length=narrower)
        )


class TextHeader(_FoldsForEncodedWords, UniqueUnstructuredHeader):
    """Subject: text that may hold non-ASCII, hence encoded-words."""


class AddressesHeader(_FoldsForEncodedWords, UniqueAddressHeader):
    """From, To, Reply-To: display names may hold non-ASCII, hence encoded-words."""


VERBATIM_HEADERS = ("list-unsubscribe", "list-unsubscribe-post", "message-id", "auto-submitted")


def _registry() -> HeaderRegistry:
    # The registry mixes BaseHeader into each class it is given (typeshed wants it already in).
    classes: dict[str, type] = dict.fromkeys(VERBATIM_HEADERS, VerbatimHeader)
    classes["subject"] = TextHeader
    classes.update(dict.fromkeys(("from", "to", "reply-to"), AddressesHeader))
    registry = HeaderRegistry(base_class=BaseHeader)
    for name, header_class in classes.items():
        registry.map_to_type(name, cast(type[BaseHeader], header_class))
    return registry


# The policy of every message Rapport composes. aiosmtplib serialises with its own policy
# (SMTP or SMTPUTF8, 7- or 8-bit as the server allows), but header objects fold themselves,
# so the verbatim headers stay verbatim whichever it picks.
COMPOSE_POLICY = email.policy.default.clone(header_factory=_registry())


class Mailer:
    """Composes and sends. From is always the company's address (`mail_from`), so SPF and DMARC
    align; a message from a person shows their name on it, as `from_format` spells it
    ("Maria Owner via Acme"), and Reply-To reaches them."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        mail_from: str,
        company: str | None = None,
        from_format: str = "{name} via {company}",
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout: float = 30.0,
        bounce_domain: str | None = None,
    ) -> None:
        self._host = host
        self._port = port
        self.mail_from = mail_from
        self._company = company
        self._from_format = from_format
        self._username = username
        self._password = password
        self._starttls = starttls
        self._timeout = timeout
        self._bounce_domain = bounce_domain
        # The name this host gives in EHLO: aiosmtplib looks it up (`socket.getfqdn`, in a
        # thread) for every connection unless told; it is looked up once here, on first use.
        self._local_hostname: str | None = None

    async def local_hostname(self) -> str:
        if self._local_hostname is None:
            self._local_hostname = await asyncio.to_thread(socket.getfqdn)
        return self._local_hostname

    def return_path(self, message: EmailMessage) -> str | None:
        """The envelope sender (MAIL FROM, the Return-Path bounces go to): with a bounce
        domain, `bounces+<token>@<domain>` naming the touch by its Message-ID; else None,
        which leaves it to the From address as before."""
        if not self._bounce_domain:
            return None
        try:
            return verp_address(
                token_for_message_id(str(message["Message-ID"])), self._bounce_domain
            )
        except VerpError:
            return None

    def message_id(self, idempotency_key: str) -> str:
        """The same touch always gets the same Message-ID, so a resend is recognisable."""
        digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
        domain = parseaddr(self.mail_from)[1].rpartition("@")[2] or "rapport.local"
        return f"<{digest}@{domain}>"

    def display_name(self, sender_name: str | None) -> str:
        """The From line's name: the person's as the format spells it, else the company's own
        (the setting's display name, or the company name when the setting has none)."""
        own = parseaddr(self.mail_from)[0] or self._company or ""
        if not sender_name:
            return own
        return self._from_format.format(name=sender_name, company=self._company or own)

    def compose(
        self,
        *,
        to: str,
        subject: str,
        body: str,
        idempotency_key: str,
        reply_to: str | None = None,
        unsubscribe_url: str | None = None,
        sender_name: str | None = None,
    ) -> EmailMessage:
        """`sender_name`: the directory's name of the person it comes from, if known."""
        message = EmailMessage(policy=COMPOSE_POLICY)
        address = parseaddr(self.mail_from)[1]
        # Built from its parts, so a display name with a comma, a dot or non-ASCII letters is
        # quoted or encoded as a phrase must be (RFC 5322 3.2.5, RFC 2047 5).
        message["From"] = (
            Address(display_name=self.display_name(sender_name), addr_spec=address)
            if address
            else self.mail_from
        )
        message["To"] = to
        if reply_to:
            # Replies reach the person who owns the relationship, not a robot.
            message["Reply-To"] = (
                Address(display_name=sender_name, addr_spec=reply_to) if sender_name else reply_to
            )
        if unsubscribe_url:
            # RFC 8058 one-click unsubscribe: mail clients POST to the link.
            message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False, usegmt=True)
        message["Message-ID"] = self.message_id(idempotency_key)
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(body)
        return message

    async def send(
        self,
        message: EmailMessage,
        *,
        before_data: DataHook | None = None,
        after_data: DataHook | None = None,
    ) -> None:
        """Deliver; raise PermanentDeliveryError on a 5xx, TemporaryDeliveryError on a 4xx to
        the message; anything else is worth a retry, and after `before_data` ran it may have
        been delivered (a connection lost before the server's answer to DATA)."""
        client = _SMTP(
            hostname=self._host,
            port=self._port,
            username=self._username,
            password=self._password,
            start_tls=self._starttls,
            timeout=self._timeout,
            local_hostname=await self.local_hostname(),
            before_data=before_data,
            after_data=after_data,
        )
        try:
            async with client:
                await client.send_message(message, sender=self.return_path(message))
        except aiosmtplib.SMTPRecipientsRefused as err:
            codes = [refusal.code for refusal in err.recipients]
            if all(code >= 500 for code in codes):
                reasons = "; ".join(f"{r.code} {r.message}" for r in err.recipients)
                raise PermanentDeliveryError(f"recipient refused: {reasons}") from err
            raise
        except aiosmtplib.SMTPNotSupported as err:
            # A non-ASCII address needs SMTPUTF8; a relay without it will not grow it.
            raise PermanentDeliveryError(str(err)) from err
        except aiosmtplib.SMTPResponseException as err:
            if err.code >= 500:
                raise PermanentDeliveryError(f"{err.code} {err.message}") from err
            raise TemporaryDeliveryError(f"{err.code} {err.message}") from err
