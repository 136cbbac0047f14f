"""The send activity against real PostgreSQL and a real SMTP server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import ActivityEnvironment

from activities.mail import Mailer
from activities.templates import Renderer
from activities.touches import MessageSettings, TouchActivities
from rapport.db import repository
from rapport.mailbox import MailboxHandler
from workflows.models import SendTouchInput

from .factories import make_candidate

MESSAGES = MessageSettings(
    company="Acme", base_url="https://rapport.example.com", secret_key="test-secret"
)


def activities(sessions: async_sessionmaker[AsyncSession], port: int) -> TouchActivities:
    mailer = Mailer("127.0.0.1", port, mail_from="Rapport <rapport@example.com>")
    return TouchActivities(sessions, mailer, Renderer(), MESSAGES)


def request(candidate_id: str, occasion: str = "birthday", **overrides: object) -> SendTouchInput:
    values: dict[str, object] = {
        "candidate_id": candidate_id,
        "occasion": occasion,
        "channel": "email",
        "sender_role": "employee",
        "due_at": datetime(2027, 3, 14, 8, 0, tzinfo=UTC),
        "local_date": "2027-03-14",
        "idempotency_key": f"{candidate_id}:{occasion}:2027-03-14",
        "sender": "jane.doe@example.com",
    }
    values.update(overrides)
    return SendTouchInput(**values)  # type: ignore[arg-type]


async def test_same_key_twice_sends_one_email(
    sessions: async_sessionmaker[AsyncSession], mailbox: MailboxHandler, smtp_port: int
) -> None:
    candidate, _ = await make_candidate(sessions)
    send = activities(sessions, smtp_port).send_touch
    env = ActivityEnvironment()

    first = await env.run(send, request(str(candidate.id)))
    second = await env.run(send, request(str(candidate.id)))

    assert (first.status, first.already_done) == ("sent", False)
    assert (second.status, second.already_done) == ("sent", True)
    assert len(mailbox.messages) == 1
    message = mailbox.messages[0]
    assert message["To"] == candidate.email
    assert message["Subject"] == "Happy birthday, Margarethe!"
    assert "Jane Doe" in message.get_content()
    async with sessions() as session:
        touches = await repository.list_touches(session, candidate.id)
    assert len(touches) == 1
    assert touches[0].message_id == message["Message-ID"]
    assert touches[0].sender == "jane.doe@example.com"


async def test_work_anniversary_counts_years(
    sessions: async_sessionmaker[AsyncSession], mailbox: MailboxHandler, smtp_port: int
) -> None:
    candidate, _ = await make_candidate(sessions)
    result = await ActivityEnvironment().run(
        activities(sessions, smtp_port).send_touch,
        request(
            str(candidate.id),
            "work_anniversary",
            local_date="2027-09-02",
            idempotency_key=f"{candidate.id}:work_anniversary:2027-09-02",
        ),
    )
    assert result.status == "sent"
    assert mailbox.messages[0]["Subject"] == ("Congratulations on 8 years at Globex, Margarethe")


async def test_refused_recipient_is_failed_without_retry(
    sessions: async_sessionmaker[AsyncSession], mailbox: MailboxHandler, smtp_port: int
) -> None:
    candidate, _ = await make_candidate(sessions)
    assert candidate.email is not None
    mailbox.refuse.add(candidate.email)

    result = await ActivityEnvironment().run(
        activities(sessions, smtp_port).send_touch, request(str(candidate.id))
    )

    assert result.status == "failed"
    assert result.reason is not None and "550" in result.reason
    assert mailbox.messages == []
    async with sessions() as session:
        touches = await repository.list_touches(session, candidate.id)
    assert [(t.status, t.reason) for t in touches] == [("failed", result.reason)]


async def test_smtp_down_raises_so_temporal_retries(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    from .conftest import free_port

    candidate, _ = await make_candidate(sessions)
    with pytest.raises(OSError):
        await ActivityEnvironment().run(
            activities(sessions, free_port()).send_touch, request(str(candidate.id))
        )
    async with sessions() as session:
        assert await repository.list_touches(session, candidate.id) == []


async def test_no_consent_is_recorded_as_skipped(
    sessions: async_sessionmaker[AsyncSession], mailbox: MailboxHandler, smtp_port: int
) -> None:
    candidate, _ = await make_candidate(sessions, consent={})
    result = await ActivityEnvironment().run(
        activities(sessions, smtp_port).send_touch, request(str(candidate.id))
    )
    assert (result.status, result.reason) == ("skipped", "no consent for email")
    assert mailbox.messages == []


async def test_planned_without_channel_is_skipped_with_the_plans_reason(
    sessions: async_sessionmaker[AsyncSession], mailbox: MailboxHandler, smtp_port: int
) -> None:
    candidate, _ = await make_candidate(sessions, email=None)
    result = await ActivityEnvironment().run(
        activities(sessions, smtp_port).send_touch,
        request(str(candidate.id), channel=None, reason="no email address"),
    )
    assert (result.status, result.reason) == ("skipped", "no email address")
    assert mailbox.messages == []
