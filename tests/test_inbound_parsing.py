"""rapport.inbound.classify over a corpus of real-world message shapes (tests/inbound_corpus),
and over malformed bytes, which must give a result and never raise."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from rapport.inbound import (
    InboundMessage,
    VerpError,
    classify,
    rapport_digest,
    read_verp_address,
    reply_text,
    stop_request,
    token_for_message_id,
    verp_address,
)
from rapport.vocabulary import BounceSeverity, InboundKind

CORPUS = Path(__file__).parent / "inbound_corpus"
REPLY, AUTO, BOUNCE, COMPLAINT = (
    InboundKind.REPLY,
    InboundKind.AUTO_REPLY,
    InboundKind.BOUNCE,
    InboundKind.COMPLAINT,
)
HARD, SOFT = BounceSeverity.HARD, BounceSeverity.SOFT

# file → the fields it must yield. "text" is a substring of the reply text, "not_text" one
# that must have been stripped with the quoted history.
EXPECTED: dict[str, dict[str, Any]] = {
    "gmail_reply.eml": {
        "kind": REPLY,
        "sender": "jonas.meyer@gmail.com",
        "message_id": "<CAJx7mVq1Z3pXk9-f2bQ8tYQn1eW5r0uRb6Hc2@mail.gmail.com>",
        "touch_digests": ("4e6c8a0b2d4f6e8a0c2e4a6b8d0f2a4c",),
        "text": "could we talk next Thursday afternoon?",
        "not_text": "Congratulations on five years",
        "stop_request": False,  # "Unsubscribe" stands in the quoted footer only
    },
    "outlook_reply.eml": {
        "kind": REPLY,
        "sender": "priya.raman@contoso-engineering.com",
        "touch_digests": ("9a1c3e5f7b9d1f3a5c7e9b1d3f5a7c9e",),
        "text": "please check back in the autumn",
        "not_text": "Staff Engineer",
        "stop_request": False,
    },
    "outlook_reply_de.eml": {
        "kind": REPLY,  # X-Auto-Response-Suppress alone does not make a reply automatic
        "sender": "jonas.mueller@example.de",
        "touch_digests": ("b7d9f1a3c5e7b9d1f3a5c7e9b1d3f5a7",),
        "text": "danke für die Nachricht",
        "not_text": "alles Gute zum Geburtstag",
        "stop_request": True,
        "stop_phrase": "keine E-Mails mehr",
    },
    "apple_mail_reply.eml": {
        "kind": REPLY,
        "sender": "lena.fischer@icloud.com",
        "touch_digests": ("c3e5a7c9e1b3d5f7a9c1e3b5d7f9a1c3",),
        "text": "meetup in April 🙂",
        "not_text": "great conversation at DevConf",
        "stop_request": False,  # 'reply "unsubscribe"' is in the quoted footer
    },
    "html_only_reply.eml": {
        "kind": REPLY,
        "sender": "sam.okafor@fastmail.com",
        "touch_digests": ("d5f7b9d1f3a5c7e9b1d3f5a7c9e1b3d5",),
        "text": "I'm free on Friday",
        "not_text": "came across this article",
        "stop_request": False,
    },
    "stranger.eml": {
        "kind": REPLY,  # nobody's touch: the caller keeps it as unmatched
        "sender": "marta.kowalska@proton.me",
        "touch_digests": (),
        "text": "Are you hiring Android",
        "stop_request": False,
    },
    "exchange_ndr_511.eml": {
        "kind": BOUNCE,
        "severity": HARD,
        "status": "5.1.1",
        "recipient": "tomasz.nowak@contoso-corp.com",
        "reason_has": "RecipNotFound",
        "original_message_id": "<e7a9c1e3b5d7f9a1c3e5b7d9f1a3c5e7@acme.example>",
        "touch_digests": ("e7a9c1e3b5d7f9a1c3e5b7d9f1a3c5e7",),
        "source": "dsn",
    },
    "exchange_ndr_522.eml": {
        "kind": BOUNCE,
        "severity": HARD,
        "status": "5.2.2",
        "recipient": "maria.santos@fabrikam.com",
        "reason_has": "mailbox full",
        "original_message_id": "<f9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9@acme.example>",
        "verp_token": "f9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9",
        "source": "dsn",
    },
    "postfix_dsn_511.eml": {
        "kind": BOUNCE,
        "severity": HARD,
        "status": "5.1.1",
        "recipient": "lukas.weber@old-employer.example",
        "reason_has": "User unknown in virtual mailbox table",
        "original_message_id": "<a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1@acme.example>",
        "verp_token": "a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1",
        "touch_digests": ("a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1",),
        "source": "dsn",
    },
    "postfix_dsn_441_delayed.eml": {
        "kind": BOUNCE,
        "severity": SOFT,
        "status": "4.4.1",
        "recipient": "sofia.lindqvist@nordic-example.se",
        "reason_has": "Connection timed out",
        "original_message_id": "<b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a3@acme.example>",  # headers only
        "source": "dsn",
    },
    "gmail_bounce.eml": {
        "kind": BOUNCE,
        "severity": HARD,
        "status": "5.1.1",
        "recipient": "daniel.kim.dev@gmail.com",
        "reason_has": "does not exist",
        "original_message_id": "<c5e7b9d1f3a5c7e9b1d3f5a7c9e1b3d5@acme.example>",
        "source": "dsn",
    },
    "qmail_bounce.eml": {
        "kind": BOUNCE,
        "severity": HARD,
        "status": "5.1.1",
        "recipient": "p.novak@oldhost-example.org",
        "reason_has": "no mailbox here by that name",
        "original_message_id": "<d7f9b1d3f5a7c9e1b3d5f7a9c1e3b5d7@acme.example>",  # pasted
        "source": "heuristic",
    },
    "yahoo_arf.eml": {
        "kind": COMPLAINT,
        "feedback_type": "abuse",
        "complaint_recipient": "emma.clarke@yahoo.com",
        "original_message_id": "<e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1@acme.example>",
        "verp_token": "e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1",  # from Original-Mail-From
        "complaint_source": "arf",
    },
    "aol_arf.eml": {
        "kind": COMPLAINT,
        "feedback_type": "abuse",
        "complaint_recipient": None,  # redacted: the Message-ID is what matches
        "original_message_id": "<f3d5b7d9f1a3c5e7b9d1f3a5c7e9b1d3@acme.example>",
        "touch_digests": ("f3d5b7d9f1a3c5e7b9d1f3a5c7e9b1d3",),
        "complaint_source": "arf",
    },
    "jmrp_complaint.eml": {
        "kind": COMPLAINT,
        "feedback_type": "abuse",
        "complaint_recipient": "noah.williams@hotmail.com",
        "original_message_id": "<a5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5@acme.example>",
        "complaint_source": "jmrp",
    },
    "ooo_gmail_en.eml": {
        "kind": AUTO,
        "reason_is": "Auto-Submitted: auto-replied",
        "touch_digests": ("b9d1f3a5c7e9b1d3f5a7c9e1b3d5f7a9",),
    },
    "ooo_exchange_de.eml": {
        "kind": AUTO,
        "reason_is": "Auto-Submitted: auto-generated",
        "subject": "Automatische Antwort: Herzlichen Glückwunsch zum Jubiläum",
        "touch_digests": ("c1e3b5d7f9a1c3e5b7d9f1a3c5e7b9d1",),
    },
    "ooo_fr.eml": {
        "kind": AUTO,
        "reason_has": "out-of-office subject",
        "subject": "Réponse automatique : Une opportunité chez Acme",
        "sender": "elodie.martin@exemple-conseil.fr",
    },
    "ooo_ja.eml": {
        "kind": AUTO,
        "reason_has": "out-of-office subject",
        "subject": "自動応答: お誕生日おめでとうございます",
    },
    "newsletter_bulk.eml": {"kind": AUTO, "reason_is": "Precedence: bulk", "touch_digests": ()},
}


def load(name: str) -> InboundMessage:
    return classify((CORPUS / name).read_bytes())


def test_every_corpus_file_is_pinned() -> None:
    assert {path.name for path in CORPUS.glob("*.eml")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus(name: str) -> None:
    expected, result = EXPECTED[name], load(name)
    assert result.kind is expected["kind"], result.reason
    assert result.automated is (expected["kind"] is not REPLY)
    assert result.message_id and result.idempotency_key == result.message_id
    simple = ("sender", "message_id", "touch_digests", "original_message_id", "verp_token")
    for field in (*simple, "subject", "stop_request", "stop_phrase"):
        if field in expected:
            assert getattr(result, field) == expected[field], field
    if "reason_is" in expected:
        assert result.reason == expected["reason_is"]
    if result.kind is REPLY:
        assert result.reply_text is not None and result.bounce is None
        assert expected["text"] in result.reply_text
        if "not_text" in expected:
            assert expected["not_text"] not in result.reply_text
        assert ">" not in result.reply_text.splitlines()[-1]
    else:
        assert result.reply_text is None and not result.stop_request
    if result.kind is BOUNCE:
        assert result.bounce is not None
        assert result.bounce_severity is expected["severity"]
        assert result.status_code == expected["status"]
        assert result.bounce.recipient == expected["recipient"]
        assert expected["reason_has"] in (result.bounce.reason or "")
        assert result.bounce.source == expected["source"]
        assert result.touch_digests[0] == rapport_digest(expected["original_message_id"])
    elif "reason_has" in expected:
        assert expected["reason_has"] in result.reason
    if result.kind is COMPLAINT:
        assert result.complaint is not None
        assert result.complaint.feedback_type == expected["feedback_type"]
        assert result.complaint.recipient == expected["complaint_recipient"]
        assert result.complaint.source == expected["complaint_source"]


HEADER = b"From: Someone <someone@example.com>\r\nTo: talent@acme.example\r\n"
MALFORMED = {
    "empty": b"",
    "whitespace": b"\r\n \r\n",
    "no headers": b"just some text that is not a message at all\n" * 20,
    "binary garbage": bytes(range(256)) * 64,
    "8-bit garbage in headers": HEADER + b"Subject: \xff\xfe\x80 caf\xe9\r\n\r\n\x81\x82\x83\n",
    "invalid charset": HEADER + b"Subject: =?x-unknown-charset?q?hi?=\r\n"
    b"Content-Type: text/plain; charset=x-no-such-charset\r\n\r\nbody \xe9\xff\r\n",
    "truncated MIME": HEADER + b'Content-Type: multipart/mixed; boundary="abc"\r\n\r\n--abc\r\n'
    b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29y",
    "truncated report": HEADER + b"Content-Type: multipart/report; report-type=delivery-status;"
    b' boundary="b"\r\n\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\nFinal-Recip',
    "nested too deep": HEADER
    + b"".join(
        f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n'.encode()
        for i in range(200)
    ),
    "bad base64": HEADER + b"Content-Transfer-Encoding: base64\r\n\r\n!!!***not base64***!!!",
    "huge header": HEADER + b"Subject: " + b"x" * 2_000_000 + b"\r\n\r\nbody",
    "many references": HEADER
    + b"References: "
    + b" ".join(f"<{i}@example.com>".encode() for i in range(20000))
    + b"\r\n\r\nhello",
    "nul bytes": HEADER + b"Subject: a\x00b\r\n\r\n\x00\x00\x00",
    "bare LF and CR": b"From: a@b.example\rSubject: x\n\n\r\rbody",
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_input_gives_a_result(name: str) -> None:
    started = time.monotonic()
    result = classify(MALFORMED[name])
    assert isinstance(result, InboundMessage)
    assert result.kind in set(InboundKind)
    assert result.idempotency_key
    assert time.monotonic() - started < 5


def test_unreadable_bytes_are_unmatched_with_a_reason() -> None:
    for raw in (MALFORMED["empty"], MALFORMED["no headers"], MALFORMED["binary garbage"]):
        result = classify(raw)
        assert result.kind is InboundKind.UNMATCHED and result.reason
        assert result.idempotency_key.startswith("sha256:")


def test_reading_is_bounded() -> None:
    raw = (CORPUS / "gmail_reply.eml").read_bytes()
    result = classify(raw + b"x" * 10_000, max_bytes=len(raw))
    assert result.truncated and result.kind is REPLY
    assert not classify(raw).truncated


def test_a_long_reply_is_parsed_quickly() -> None:
    body = ("word " * 40 + "\n") * 4000 + "On Mon, 2 Mar 2026 at 09:00, A <a@b.example> wrote:\n"
    started = time.monotonic()
    classify(HEADER + b"Subject: Re: x\r\n\r\n" + body.encode())
    assert time.monotonic() - started < 5


def test_reports_that_are_no_complaint_or_bounce_are_automatic() -> None:
    arf = (CORPUS / "yahoo_arf.eml").read_bytes()
    not_spam = classify(arf.replace(b"Feedback-Type: abuse", b"Feedback-Type: not-spam"))
    assert not_spam.kind is AUTO and not_spam.complaint is None
    receipt = HEADER + (
        b"Subject: Read: hello\r\nMessage-ID: <r1@example.com>\r\nContent-Type: multipart/report;"
        b' report-type=disposition-notification; boundary="r"\r\n\r\n--r\r\n'
        b"Content-Type: text/plain\r\n\r\nYour message was read.\r\n--r--\r\n"
    )
    assert classify(receipt).kind is AUTO


def test_a_message_without_message_id_is_keyed_by_its_bytes() -> None:
    raw = HEADER + b"Subject: hello\r\n\r\nhi there\r\n"
    first, again = classify(raw), classify(raw)
    assert first.message_id is None
    assert first.idempotency_key == again.idempotency_key
    assert first.idempotency_key.startswith("sha256:")


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("Please unsubscribe me.", "unsubscribe"),
        ("Remove me from your list, thanks", "Remove me"),
        ("STOP EMAILING ME", "STOP EMAILING ME"),
        ("Please don't contact me again.", "don't contact me"),
        ("Do not email me again.", "Do not email me"),
        ("Bitte keine E-Mails mehr.", "keine E-Mails mehr"),
        ("Ich möchte mich abmelden", "abmelden"),
        ("Merci de me désinscrire de cette liste", "désinscrire"),
        ("Por favor, no me escriban más.", "no me escriban"),
        ("Graag afmelden", "afmelden"),
        ("Cancellami dalla lista", "Cancellami"),
        ("配信停止をお願いします", "配信停止"),
        ("Please don't unsubscribe me, I like these.", None),
        ("Thanks, I'd love to hear more!", None),
        ("I moved to a new team; happy to chat.", None),
    ],
)
def test_stop_requests(text: str, phrase: str | None) -> None:
    assert stop_request(text) == phrase


def test_stop_in_quoted_history_does_not_count() -> None:
    body = (
        "Sounds good, talk soon!\n\nOn Mon, 2 Mar 2026 at 09:00, Anna <anna@acme.example> wrote:\n"
        "> Hi\n> To unsubscribe, reply STOP or click unsubscribe.\n"
    )
    new_text = reply_text(body)
    assert new_text == "Sounds good, talk soon!"
    assert stop_request(new_text) is None


def test_verp_round_trip() -> None:
    message_id = "<a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1@acme.example>"
    token = token_for_message_id(message_id)
    address = verp_address(token, "Acme.Example")
    assert address == f"bounces+{token}@acme.example"
    assert read_verp_address(address) == token
    assert read_verp_address(f"<BOUNCES+{token.upper()}@ACME.example>") == token
    assert read_verp_address(address, domain="acme.example") == token
    assert read_verp_address(address, domain="other.example") is None
    for not_verp in ("talent@acme.example", "bounces+short@acme.example", "bounces+@x", "x"):
        assert read_verp_address(not_verp) is None
    for bad_token, domain in (("xyz", "acme.example"), (token, "not a domain"), (token, "")):
        with pytest.raises(VerpError):
            verp_address(bad_token, domain)
    with pytest.raises(VerpError):
        token_for_message_id("<CAJx7mVq@mail.gmail.com>")


def test_rapport_digest_recognises_only_rapports_ids() -> None:
    assert rapport_digest("<4e6c8a0b2d4f6e8a0c2e4a6b8d0f2a4c@acme.example>") == (
        "4e6c8a0b2d4f6e8a0c2e4a6b8d0f2a4c"
    )
    for other in ("<CAJx7@mail.gmail.com>", "<4e6c8a0b@acme.example>", None, ""):
        assert rapport_digest(other) is None


def test_mangled_corpus_messages_never_raise() -> None:
    """Every corpus file cut short and with bytes flipped, from a fixed seed."""
    import random

    chance = random.Random(11)
    for path in sorted(CORPUS.glob("*.eml")):
        raw = path.read_bytes()
        for _ in range(15):
            mangled = bytearray(raw[: chance.randrange(1, len(raw) + 1)])
            for _ in range(chance.randrange(0, 20)):
                mangled[chance.randrange(len(mangled))] = chance.randrange(256)
            result = classify(bytes(mangled))
            assert result.kind in set(InboundKind) and result.idempotency_key
