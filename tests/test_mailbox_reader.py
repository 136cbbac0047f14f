"""activities.mailbox_reader against a real dovecot (harness.imap): positions, batches,
UIDVALIDITY changes, password and XOAUTH2 logins, and the messages read as classify sees them."""

from __future__ import annotations

import imaplib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from activities.mailbox_reader import (
    LoginMethod,
    MailboxAccount,
    MailboxBatch,
    MailboxError,
    MailboxLoginFailed,
    MailboxPosition,
    MailboxReader,
    Security,
)
from harness.imap import ImapServer, dovecot_missing, imap_server
from harness.stack import free_port
from rapport.inbound import classify
from rapport.vocabulary import InboundKind

USER, PASSWORD, TOKEN = "hr@acme.example", "s3cret-imap", "ya29.test-access-token"
CORPUS = Path(__file__).parent / "inbound_corpus"


@pytest.fixture(scope="module")
def imap() -> Iterator[ImapServer]:
    missing = dovecot_missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    with imap_server({USER: PASSWORD}, {TOKEN: USER}) as server:
        yield server


def account(imap: ImapServer, folder: str, **changes: object) -> MailboxAccount:
    values: dict[str, object] = {
        "host": imap.host,
        "port": imap.port,
        "username": USER,
        "secret": PASSWORD,
        "folder": folder,
        "security": Security.NONE,
    }
    values.update(changes)
    return MailboxAccount(**values)  # type: ignore[arg-type]


def message(number: int) -> bytes:
    return (
        f"From: Candidate {number} <c{number}@example.com>\r\nTo: {USER}\r\n"
        f"Subject: message {number}\r\nMessage-ID: <m{number}@example.com>\r\n\r\n"
        f"Body {number}\r\n"
    ).encode()


def read_all(reader: MailboxReader, position: MailboxPosition, size: int) -> list[MailboxBatch]:
    batches = [reader.read(position, batch_size=size)]
    while batches[-1].remaining:
        batches.append(reader.read(batches[-1].position, batch_size=size))
    return batches


def subjects(batches: list[MailboxBatch]) -> list[str]:
    return [classify(m.raw).subject for batch in batches for m in batch.messages]


def test_batches_from_a_stored_position_read_each_message_once(imap: ImapServer) -> None:
    uids = [imap.deliver(USER, message(n), "Batches") for n in range(1, 6)]
    reader = MailboxReader(account(imap, "Batches"))
    batches = read_all(reader, MailboxPosition(), 2)
    assert [len(b.messages) for b in batches] == [2, 2, 1]
    assert [b.remaining for b in batches] == [3, 1, 0]
    assert [m.uid for b in batches for m in b.messages] == uids
    assert subjects(batches) == [f"message {n}" for n in range(1, 6)]
    assert not any(b.restarted for b in batches)
    end = batches[-1].position
    assert end.last_uid == uids[-1] and end.uidvalidity > 0
    # Nothing new: the same position comes back, with nothing in it.
    again = reader.read(end, batch_size=2)
    assert again.messages == () and again.position == end
    # After more deliveries, only the new ones.
    for n in (6, 7, 8):
        imap.deliver(USER, message(n), "Batches")
    later = read_all(reader, end, 2)
    assert subjects(later) == ["message 6", "message 7", "message 8"]


def test_reading_leaves_messages_unseen(imap: ImapServer) -> None:
    imap.deliver(USER, message(1), "Unseen")
    reader = MailboxReader(account(imap, "Unseen"))
    reader.read(MailboxPosition())
    assert len(reader.read(MailboxPosition()).messages) == 1
    client = imaplib.IMAP4(imap.host, imap.port)
    client.login(USER, PASSWORD)
    client.select('"Unseen"', readonly=True)
    assert client.uid("SEARCH", "UNSEEN")[1][0] == b"1"
    client.logout()


def test_a_new_uidvalidity_restarts_from_the_beginning(imap: ImapServer) -> None:
    for n in (1, 2):
        imap.deliver(USER, message(n), "Renumbered")
    reader = MailboxReader(account(imap, "Renumbered"))
    first = reader.read(MailboxPosition(), batch_size=10)
    imap.recreate_folder(USER, "Renumbered")
    imap.deliver(USER, message(3), "Renumbered")
    after = reader.read(first.position, batch_size=10)
    assert after.restarted
    assert after.position.uidvalidity != first.position.uidvalidity
    assert subjects([after]) == ["message 3"]


def test_xoauth2_login(imap: ImapServer) -> None:
    imap.deliver(USER, message(1), "OAuth")
    reader = MailboxReader(account(imap, "OAuth", secret=TOKEN, login_method=LoginMethod.XOAUTH2))
    assert len(reader.read(MailboxPosition()).messages) == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"secret": "wrong password"},
        {"username": "nobody@acme.example"},
        {"secret": "revoked-token", "login_method": LoginMethod.XOAUTH2},
    ],
)
def test_refused_logins_raise_their_own_error(imap: ImapServer, changes: dict[str, object]) -> None:
    reader = MailboxReader(account(imap, "INBOX", **changes))
    with pytest.raises(MailboxLoginFailed) as raised:
        reader.read(MailboxPosition())
    assert PASSWORD not in str(raised.value)


def test_an_unreachable_server_is_a_mailbox_error_not_a_login_failure(imap: ImapServer) -> None:
    reader = MailboxReader(account(imap, "INBOX", port=free_port()), timeout=2)
    with pytest.raises(MailboxError) as raised:
        reader.read(MailboxPosition())
    assert not isinstance(raised.value, MailboxLoginFailed)


def test_a_missing_folder_is_a_mailbox_error(imap: ImapServer) -> None:
    with pytest.raises(MailboxError):
        MailboxReader(account(imap, "No such folder")).read(MailboxPosition())


def test_large_messages_are_cut_to_the_bound(imap: ImapServer) -> None:
    big = message(1) + b"x" * 50_000 + b"\r\n"
    imap.deliver(USER, big, "Large")
    reader = MailboxReader(account(imap, "Large"), max_message_bytes=10_000)
    (fetched,) = reader.read(MailboxPosition()).messages
    assert len(fetched.raw) == 10_000 and fetched.size == len(big) and fetched.truncated
    assert classify(fetched.raw).subject == "message 1"


def test_corpus_messages_come_back_as_classify_reads_them(imap: ImapServer) -> None:
    names = ["gmail_reply.eml", "ooo_exchange_de.eml", "postfix_dsn_511.eml", "yahoo_arf.eml"]
    for name in names:
        imap.deliver(USER, (CORPUS / name).read_bytes(), "Corpus")
    batch = MailboxReader(account(imap, "Corpus")).read(MailboxPosition(), batch_size=10)
    kinds = [classify(m.raw).kind for m in batch.messages]
    assert kinds == [
        InboundKind.REPLY,
        InboundKind.AUTO_REPLY,
        InboundKind.BOUNCE,
        InboundKind.COMPLAINT,
    ]
