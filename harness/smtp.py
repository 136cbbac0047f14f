"""An SMTP server (aiosmtpd, in this process) that counts what it accepts by Message-ID, and can
refuse: every message for now while `deferring` is set (451, to RCPT and DATA by turns, so both
a refused envelope and a refused message are met), or some recipients for good (550 to RCPT).
What the fault tests and the kill benchmark count deliveries with."""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from harness.stack import free_port

MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(\S+)", re.IGNORECASE | re.MULTILINE)
DEFERRED = "451 4.3.0 temporarily unable to accept mail, try again later"
REFUSED = "550 5.1.1 mailbox unavailable"


@dataclass
class CountingSMTP:
    """aiosmtpd handler: the Message-ID of every message accepted, in order of arrival."""

    received: list[str] = field(default_factory=list)
    # Messages answered 451 (while `deferring`) to RCPT and to DATA, and RCPTs per address
    # (refused ones too).
    deferred_rcpt: int = 0
    deferred_data: int = 0
    rcpts: Counter[str] = field(default_factory=Counter)
    refuse: set[str] = field(default_factory=set)
    deferring: threading.Event = field(default_factory=threading.Event)
    last_at: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Set on each message accepted; whoever waits for "sending has begun" clears it.
    first: threading.Event = field(default_factory=threading.Event)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        with self.lock:
            self.rcpts[address.lower()] += 1
            if address.lower() in self.refuse:
                return REFUSED
            if self.deferring.is_set() and self.deferred_rcpt <= self.deferred_data:
                self.deferred_rcpt += 1
                return DEFERRED
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.deferring.is_set():
            with self.lock:
                self.deferred_data += 1
            return DEFERRED
        found = MESSAGE_ID.search(envelope.original_content or b"")
        with self.lock:
            self.received.append(found.group(1).decode() if found else "<none>")
            self.last_at = time.monotonic()
        self.first.set()
        return "250 OK"

    @property
    def deferred(self) -> int:
        return self.deferred_rcpt + self.deferred_data

    def count(self) -> int:
        with self.lock:
            return len(self.received)

    def by_message_id(self) -> Counter[str]:
        with self.lock:
            return Counter(self.received)

    def quiet_for(self, seconds: float) -> bool:
        """Nothing accepted for `seconds` (or nothing at all yet)."""
        return time.monotonic() - self.last_at > seconds


@contextlib.contextmanager
def counting_smtp() -> Iterator[tuple[CountingSMTP, int]]:
    """The server on a free port: its handler and port; stopped afterwards."""
    handler, port = CountingSMTP(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()
