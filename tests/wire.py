"""What arrives at an SMTP server, as bytes: a catcher, and the RFC rules raw headers must keep.

Reading a message back through Python's parser hides what a receiver sees (it decodes an
encoded-word that should never have been there), so these checks look at the octets of DATA.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from harness.stack import free_port


@dataclass(frozen=True)
class Received:
    mail_options: list[str]
    data: bytes  # the message as sent, before any parsing

    @property
    def head(self) -> bytes:
        head, separator, _ = self.data.partition(b"\r\n\r\n")
        assert separator, "no CRLF CRLF between the header and the body"
        return head

    def fields(self) -> dict[str, list[bytes]]:
        """Each header field by lower-case name, as its physical lines (CRLF removed)."""
        found: dict[str, list[bytes]] = {}
        current: list[bytes] = []
        for line in self.head.split(b"\r\n"):
            if line[:1] in (b" ", b"\t"):
                assert current, "the header starts with a continuation line"
                current.append(line)
                continue
            name, colon, _ = line.partition(b":")
            assert colon and re.fullmatch(rb"[\x21-\x39\x3b-\x7e]+", name), line
            key = name.decode().lower()
            assert key not in found, f"{key} twice"
            current = found[key] = [line]
        return found

    def lines_of(self, name: str) -> list[bytes]:
        return self.fields()[name.lower()]

    def value(self, name: str) -> str:
        """The unfolded field body (RFC 5322 2.2.3: CRLF before white space removed)."""
        unfolded = b"".join(self.lines_of(name))
        return unfolded.split(b":", 1)[1].decode("ascii").strip()


@dataclass
class WireCatcher:
    """aiosmtpd handler keeping each message's MAIL options and raw DATA."""

    received: list[Received] = field(default_factory=list)
    # The name each client gave in EHLO.
    hostnames: list[str] = field(default_factory=list)

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        session.host_name = hostname
        self.hostnames.append(hostname)
        return responses

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content
        assert isinstance(raw, bytes)
        self.received.append(Received(list(envelope.mail_options), raw))
        return "250 OK"


def catching() -> Iterator[tuple[WireCatcher, int]]:
    """A real SMTP server for one test, keeping the raw bytes it receives; and its port.
    A fixture body: `catcher = pytest.fixture(name="catcher")(catching)` in a test module."""
    handler, port = WireCatcher(), free_port()
    with serving(handler, port):
        yield handler, port


@contextmanager
def serving(handler: object, port: int, **smtp: Any) -> Iterator[None]:
    """A real aiosmtpd server on 127.0.0.1:`port` for the block; `smtp` configures it."""
    controller = Controller(handler, hostname="127.0.0.1", port=port, **smtp)
    controller.start()
    try:
        yield
    finally:
        controller.stop()


def assert_lines_well_formed(message: Received) -> None:
    """RFC 5322 2.1.1 and 2.2: CRLF only, no line over 998 octets, 7-bit header without
    SMTPUTF8 (RFC 6532), and 8-bit body only with BODY=8BITMIME (RFC 6152)."""
    assert b"\r" not in message.data.replace(b"\r\n", b""), "a bare CR"
    assert b"\n" not in message.data.replace(b"\r\n", b""), "a bare LF"
    for line in message.data.split(b"\r\n"):
        assert len(line) <= 998, f"line of {len(line)} octets: {line[:60]!r}"
    options = [option.upper() for option in message.mail_options]
    if "SMTPUTF8" not in options:
        assert message.head.isascii(), "8-bit octets in the header without SMTPUTF8"
    if not message.data.isascii():
        assert "BODY=8BITMIME" in options, "an 8-bit body without BODY=8BITMIME"


ENCODED_WORD = re.compile(rb"=\?([^?\s*]+)(?:\*[^?\s]+)?\?([QqBb])\?([^?\s]*)\?=")
# RFC 2047 5(3): inside a phrase a Q-encoded word may only hold these, besides =XX.
PHRASE_Q = re.compile(rb"(?:[A-Za-z0-9!*+\-/_]|=[0-9A-F]{2})*")
TEXT_Q = re.compile(rb"(?:[\x21-\x3c\x3e\x40-\x7e]|=[0-9A-F]{2})*")


def assert_encoded_words_valid(value: bytes, *, phrase: bool) -> None:
    """RFC 2047: each encoded-word at most 75 characters, a whole white-space-delimited token
    (2047 section 5), a known charset, a Q or B payload that decodes in that charset."""
    for token in value.split():
        for found in ENCODED_WORD.finditer(token):
            word = found.group(0)
            assert len(word) <= 75, f"encoded-word of {len(word)} characters: {word!r}"
            # A word glued to other text (`x=?…?=`, `=?…?=")`) is not decoded by receivers.
            assert token == word, f"encoded-word not delimited by white space: {token!r}"
            charset, kind, payload = found.groups()
            if kind in b"Qq":
                allowed = PHRASE_Q if phrase else TEXT_Q
                assert allowed.fullmatch(payload), f"bad Q payload {payload!r}"
                octets = re.sub(
                    rb"=([0-9A-F]{2})", lambda m: bytes([int(m.group(1), 16)]), payload
                ).replace(b"_", b" ")
            else:
                try:
                    octets = base64.b64decode(payload, validate=True)
                except binascii.Error as err:
                    raise AssertionError(f"bad B payload {payload!r}") from err
            octets.decode(charset.decode())  # whole characters in the named charset
        assert b"=?" not in ENCODED_WORD.sub(b"", token), f"malformed encoded-word {token!r}"


def decoded(value: str) -> str:
    """The text a receiver shows for an unstructured field or a phrase."""
    return str(make_header(decode_header(value)))
