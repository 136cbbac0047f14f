"""A local SMTP server that keeps every email it receives as a file: the dev stack's outbox.

Files are named after the Message-ID, so a message delivered twice is stored once.
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import hashlib
import logging
import signal
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass
class MailboxHandler:
    """aiosmtpd handler: stores each message under `directory` and keeps it in `messages`;
    addresses in `refuse` are refused for good (5xx), those in `defer` for now (4xx)."""

    directory: Path | None = None
    messages: list[EmailMessage] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    defer: set[str] = field(default_factory=set)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.lower() in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        if address.lower() in self.defer:
            return "452 4.2.2 mailbox full, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        if self.directory is not None:
            self.directory.mkdir(parents=True, exist_ok=True)
            key = str(message.get("Message-ID") or hashlib.sha256(raw).hexdigest())
            name = hashlib.sha256(key.encode()).hexdigest()[:24] + ".eml"
            (self.directory / name).write_bytes(raw)
        return "250 Message accepted for delivery"


def read_mailbox(directory: Path) -> list[EmailMessage]:
    """Every stored email, oldest first."""
    messages = []
    for path in sorted(directory.glob("*.eml"), key=lambda p: p.stat().st_mtime):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        messages.append(message)
    return messages


async def serve(directory: Path, host: str, port: int) -> None:
    controller = Controller(MailboxHandler(directory), hostname=host, port=port)
    controller.start()
    logging.info("mailbox listening on %s:%s, storing in %s", host, port, directory)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    controller.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s mailbox %(message)s")
    asyncio.run(serve(args.dir, args.host, args.port))


if __name__ == "__main__":
    main()
