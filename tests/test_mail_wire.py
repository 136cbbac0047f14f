"""Every header Rapport writes, checked as the octets a real SMTP server (aiosmtpd) receives."""

from __future__ import annotations

import email.policy
import re
import socket
import uuid
from email import message_from_bytes
from email.message import EmailMessage
from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import ActivityEnvironment

from activities.drafting import MessageSettings, unsubscribe_url
from activities.mail import Mailer, PermanentDeliveryError
from activities.templates import Renderer
from activities.touches import TouchActivities
from harness.rows import make_candidate, make_person
from harness.stack import free_port
from rapport.db.repositories import touches as touch_repo

from .test_send_touch import request
from .wire import (
    Received,
    WireCatcher,
    assert_encoded_words_valid,
    assert_lines_well_formed,
    catching,
    decoded,
    serving,
)

catcher = pytest.fixture(name="catcher")(catching)

# RFC 5322 3.3 date-time as Python writes it: day, date, time, numeric zone.
DATE = re.compile(
    rb"Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} "
    rb"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}"
)
# RFC 5322 3.6.4 msg-id with dot-atom-text on both sides, as Rapport makes them.
MESSAGE_ID = re.compile(rb"Message-ID: <[0-9a-f]{32}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*>")


# A public address as long as a deployment behind a path prefix might have: the link alone is
# far beyond the 78 characters Python's policy folds at.
LONG_BASE = "https://careers.rapport-outreach.example.com/" + "/".join(["tenant-acme"] * 12)


@pytest.mark.parametrize("base_url", ["http://127.0.0.1:8000", LONG_BASE])
async def test_every_header_is_well_formed_on_the_wire(
    sessions: async_sessionmaker[AsyncSession],
    catcher: tuple[WireCatcher, int],
    base_url: str,
) -> None:
    handler, port = catcher
    candidate, _ = await make_candidate(sessions, full_name="Zoë Ôkafor-Šimić")
    settings = MessageSettings(company="Acme", base_url=base_url, secret_key="test-secret")
    mailer = Mailer(
        "127.0.0.1", port, mail_from='"Société Générale, Recrutement" <rapport@example.com>'
    )
    # Someone the directory does not name: From is the company's own name, as configured.
    sender = f"unlisted.{uuid.uuid4().hex[:8]}@example.com"
    result = await ActivityEnvironment().run(
        TouchActivities(sessions, mailer, Renderer(), settings).send_touch,
        request(str(candidate.id), sender=sender),
    )
    assert result.status == "sent"
    [message] = handler.received
    assert_lines_well_formed(message)

    # RFC 2369 / 8058: the literal `<URL>`, one physical line, no encoded-word.
    link = unsubscribe_url(settings, candidate.id)
    assert message.lines_of("List-Unsubscribe") == [f"List-Unsubscribe: <{link}>".encode()]
    assert re.fullmatch(r"<https?://[\x21-\x3b\x3d\x3f-\x7e]+>", message.value("List-Unsubscribe"))
    assert message.lines_of("List-Unsubscribe-Post") == [
        b"List-Unsubscribe-Post: List-Unsubscribe=One-Click"
    ]
    # One unfolded `<id@domain>`, the one the touch recorded.
    [message_id] = message.lines_of("Message-ID")
    assert MESSAGE_ID.fullmatch(message_id), message_id
    async with sessions() as session:
        [touch] = await touch_repo.list_touches(session, candidate.id)
    assert message_id == f"Message-ID: {touch.message_id}".encode()
    [date_line] = message.lines_of("Date")
    assert DATE.fullmatch(date_line), date_line
    assert parsedate_to_datetime(message.value("Date")).utcoffset() is not None
    assert message.lines_of("Auto-Submitted") == [b"Auto-Submitted: auto-generated"]
    assert message.lines_of("Reply-To") == [f"Reply-To: {sender}".encode()]
    assert message.lines_of("To") == [f"To: {candidate.email}".encode()]

    # Non-ASCII text goes out as valid RFC 2047 encoded-words that decode to what was meant.
    assert_encoded_words_valid(message.value("Subject").encode(), phrase=False)
    assert decoded(message.value("Subject")) == "Happy birthday, Zoë!"
    assert_header_lines_short(message, "Subject", "From")
    name, _, address = message.value("From").rpartition(" ")
    assert address == "<rapport@example.com>"
    assert_encoded_words_valid(name.encode(), phrase=True)
    assert decoded(name) == "Société Générale, Recrutement"


def assert_header_lines_short(message: Received, *names: str) -> None:
    """RFC 5322 2.1.1: lines SHOULD be at most 78 characters; text that can fold does."""
    for name in names:
        for line in message.lines_of(name):
            assert len(line) <= 78, line


async def test_a_long_subject_in_another_script_folds_into_valid_encoded_words(
    catcher: tuple[WireCatcher, int],
) -> None:
    handler, port = catcher
    mailer = Mailer("127.0.0.1", port, mail_from="山田 太郎 <rapport@example.com>")
    subject = "お誕生日おめでとうございます、山田さん、素晴らしい一年になりますように。" * 2
    message = mailer.compose(
        to="hanako@example.com", subject=subject, body="本文\n", idempotency_key="k-1"
    )
    await mailer.send(message)
    [received] = handler.received
    assert_lines_well_formed(received)
    assert len(received.lines_of("Subject")) > 1
    assert_header_lines_short(received, "Subject", "From")
    assert_encoded_words_valid(received.value("Subject").encode(), phrase=False)
    assert decoded(received.value("Subject")) == subject
    name = received.value("From").removesuffix(" <rapport@example.com>")
    assert_encoded_words_valid(name.encode(), phrase=True)
    assert decoded(name) == "山田 太郎"


def test_a_header_that_cannot_go_out_verbatim_is_refused_while_composing() -> None:
    mailer = Mailer("127.0.0.1", 25, mail_from="rapport@example.com")
    for url in ("https://x.example/" + "a" * 1000, "https://x.example/a\r\nBcc: b@example.com"):
        with pytest.raises(ValueError):
            mailer.compose(
                to="a@example.com", subject="s", body="b", idempotency_key="k", unsubscribe_url=url
            )


async def test_a_non_ascii_address_goes_out_only_under_smtputf8(
    catcher: tuple[WireCatcher, int],
) -> None:
    # An encoded-word is not allowed in an address (RFC 2047 5): `zoë@` goes out as UTF-8,
    # which needs SMTPUTF8 (RFC 6531, 6532).
    handler, port = catcher
    mailer = Mailer("127.0.0.1", port, mail_from="rapport@example.com")
    await mailer.send(
        mailer.compose(to="zoë@example.com", subject="s", body="b\n", idempotency_key="k")
    )
    [received] = handler.received
    assert "SMTPUTF8" in received.mail_options
    assert_lines_well_formed(received)
    assert received.lines_of("To") == ["To: zoë@example.com".encode()]


async def test_without_smtputf8_a_non_ascii_address_is_refused_for_good() -> None:
    # A relay that does not offer SMTPUTF8 will not grow it in the hours of retries.
    handler, port = WireCatcher(), free_port()
    with serving(handler, port, enable_SMTPUTF8=False):
        mailer = Mailer("127.0.0.1", port, mail_from="rapport@example.com")
        message = mailer.compose(to="zoë@example.com", subject="s", body="b\n", idempotency_key="k")
        with pytest.raises(PermanentDeliveryError, match="SMTPUTF8"):
            await mailer.send(message)
    assert handler.received == []


@pytest.mark.parametrize(
    ("name", "line"),
    [
        # RFC 5322 3.2.5: a phrase of atoms goes as it is ...
        ("Maria Owner", b"From: Maria Owner via Acme <talent@acme.example>"),
        # ... one with specials (the dot, the comma) as one quoted-string.
        ("Maria O. Owner, PhD", b'From: "Maria O. Owner, PhD via Acme" <talent@acme.example>'),
    ],
)
async def test_from_names_the_person_on_the_company_address(
    catcher: tuple[WireCatcher, int], name: str, line: bytes
) -> None:
    handler, port = catcher
    mailer = Mailer("127.0.0.1", port, mail_from="talent@acme.example", company="Acme")
    await mailer.send(
        mailer.compose(to="ana@example.com", subject="s", body="b\n", idempotency_key="k",
                       reply_to="maria.owner@acme.example", sender_name=name)
    )  # fmt: skip
    [received] = handler.received
    assert_lines_well_formed(received)
    # DMARC-safe: the address is the company's; replies reach the person.
    assert received.lines_of("From") == [line]
    assert received.value("Reply-To").endswith(" <maria.owner@acme.example>")
    assert decoded(received.value("Reply-To").rpartition(" ")[0]).strip('"') == name


async def birthday_on_the_wire(
    sessions: async_sessionmaker[AsyncSession],
    handler: WireCatcher,
    mailer: Mailer,
    candidate_id: uuid.UUID,
    sender: str,
) -> tuple[Received, str]:
    """The birthday email from `sender` to the candidate, as the server received it; and
    its unsubscribe link."""
    settings = MessageSettings(company="Acme", base_url=LONG_BASE, secret_key="test-secret")
    result = await ActivityEnvironment().run(
        TouchActivities(sessions, mailer, Renderer(), settings).send_touch,
        request(str(candidate_id), sender=sender),
    )
    assert result.status == "sent"
    [message] = handler.received
    assert_lines_well_formed(message)
    return message, unsubscribe_url(settings, candidate_id)


async def test_a_directory_name_in_another_script_is_encoded_on_the_wire(
    sessions: async_sessionmaker[AsyncSession], catcher: tuple[WireCatcher, int]
) -> None:
    """The directory's "Zoë Müller" sends; From is `Zoë Müller via Acme` in RFC 2047 encoded
    words on the company's address, with her signature, in the configured format."""
    handler, port = catcher
    zoe = f"zoe.{uuid.uuid4().hex[:8]}@acme.example"
    await make_person(sessions, zoe, "Zoë Müller", signature="Zoë Müller\nCTO, Acme")
    candidate, _ = await make_candidate(sessions)
    mailer = Mailer("127.0.0.1", port, mail_from="Acme Talent <talent@acme.example>",
                    company="Acme", from_format="{name} | {company}")  # fmt: skip
    message, _ = await birthday_on_the_wire(sessions, handler, mailer, candidate.id, zoe)
    assert_header_lines_short(message, "From", "Reply-To")
    for header, address in (("From", "<talent@acme.example>"), ("Reply-To", f"<{zoe}>")):
        name, _, found = message.value(header).rpartition(" ")
        assert found == address
        assert b"\xc3" not in name.encode() and "=?utf-8?" in name
        assert_encoded_words_valid(name.encode(), phrase=True)
    assert decoded(message.value("From").rpartition(" ")[0]) == "Zoë Müller | Acme"
    assert decoded(message.value("Reply-To").rpartition(" ")[0]) == "Zoë Müller"
    parsed = message_from_bytes(message.data, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    assert "Warm wishes,\r\nZoë Müller\r\nCTO, Acme\r\n" in parsed.get_content()


async def test_a_german_candidates_birthday_email_arrives_in_german(
    sessions: async_sessionmaker[AsyncSession], catcher: tuple[WireCatcher, int]
) -> None:
    handler, port = catcher
    candidate, _ = await make_candidate(sessions, full_name="Jürgen Weiß", language="de-AT")
    mailer = Mailer("127.0.0.1", port, mail_from="talent@acme.example", company="Acme")
    sender = f"unlisted.{uuid.uuid4().hex[:8]}@example.com"
    message, link = await birthday_on_the_wire(sessions, handler, mailer, candidate.id, sender)
    assert_header_lines_short(message, "Subject", "From")
    assert_encoded_words_valid(message.value("Subject").encode(), phrase=False)
    assert decoded(message.value("Subject")) == "Alles Gute zum Geburtstag, Jürgen!"
    assert message.lines_of("From") == [b"From: Acme <talent@acme.example>"]
    parsed = message_from_bytes(message.data, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    body = str(parsed.get_content()).replace("\r\n", "\n")
    assert body.startswith("Hallo Jürgen,\n\nwir wünschen Ihnen alles Gute zum Geburtstag.")
    assert "Herzliche Grüße\nIhr Team von Acme\n" in body
    assert body.rstrip().endswith(f"Hier können Sie sich abmelden: {link}")


async def test_ehlo_names_this_host_as_looked_up_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """aiosmtplib looks the name up for every connection unless given one: the mailer looks it
    up once and gives it, so every EHLO says what `socket.getfqdn` does."""
    looked_up: list[str] = []
    real = socket.getfqdn

    def counting(name: str = "") -> str:
        looked_up.append(name)
        return real(name)

    handler, port = WireCatcher(), free_port()
    # The server's own name given, so that only the client's look-ups are counted.
    with serving(handler, port, server_hostname="wire.test"):
        monkeypatch.setattr(socket, "getfqdn", counting)
        mailer = Mailer("127.0.0.1", port, mail_from="Rapport <rapport@example.com>")
        for number in range(3):
            message = mailer.compose(
                to="ana@example.com", subject="Hello", body="Hi", idempotency_key=f"k{number}"
            )
            await mailer.send(message)
    assert len(handler.received) == 3
    assert handler.hostnames == [real()] * 3
    assert looked_up == [""]
