"""SMTP delivery with aiosmtplib, telling a permanent refusal from a passing fault."""

from __future__ import annotations

import hashlib
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

import aiosmtplib


class PermanentDeliveryError(Exception):
    """The server refused the message for good (5xx): retrying cannot help."""


class Mailer:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        mail_from: str,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout: float = 30.0,
    ) -> None:
        self._host = host
        self._port = port
        self.mail_from = mail_from
        self._username = username
        self._password = password
        self._starttls = starttls
        self._timeout = timeout

    def message_id(self, idempotency_key: str) -> str:
        """The same touch always gets the same Message-ID, so a resend is recognisable."""
        digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
        domain = parseaddr(self.mail_from)[1].rpartition("@")[2] or "rapport.local"
        return f"<{digest}@{domain}>"

    def compose(
        self,
        *,
        to: str,
        subject: str,
        body: str,
        idempotency_key: str,
        reply_to: str | None = None,
        unsubscribe_url: str | None = None,
    ) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.mail_from
        message["To"] = to
        if reply_to:
            # Replies reach the person who owns the relationship, not a robot.
            message["Reply-To"] = reply_to
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

    async def send(self, message: EmailMessage) -> None:
        """Deliver; raise PermanentDeliveryError on a 5xx, anything else is worth a retry."""
        try:
            await aiosmtplib.send(
                message,
                hostname=self._host,
                port=self._port,
                username=self._username,
                password=self._password,
                start_tls=self._starttls,
                timeout=self._timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as err:
            codes = [refusal.code for refusal in err.recipients]
            if all(code >= 500 for code in codes):
                reasons = "; ".join(f"{r.code} {r.message}" for r in err.recipients)
                raise PermanentDeliveryError(f"recipient refused: {reasons}") from err
            raise
        except aiosmtplib.SMTPResponseException as err:
            if err.code >= 500:
                raise PermanentDeliveryError(f"{err.code} {err.message}") from err
            raise
