"""What a send does when it cannot succeed, or when its worker is lost in the middle of one."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.api.enums.v1 import EventType
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from activities.mail import Mailer, TemporaryDeliveryError
from activities.templates import Renderer
from activities.touches import TouchActivities
from api.candidates import lifecycle
from api.candidates.schemas import InvitationBody, TouchOut
from harness.api_helpers import country_without_holiday, zone_in_send_window
from harness.rows import make_candidate
from harness.stack import free_port
from rapport.contracts.touches import SendTouchInput, SendTouchResult
from rapport.db.models import Candidate
from rapport.db.repositories import invitations as invitation_repo
from rapport.db.repositories import touches as touch_repo
from rapport.mailbox import MailboxHandler
from rapport.outreach.state import CandidateState, SchedulePolicy
from rapport.vocabulary import InvitationKind

from .conftest import StartCandidate
from .factories import load
from .test_outreach_simulations import touches_of
from .test_send_touch import MESSAGES, request
from .wire import WireCatcher, catching, serving

catcher = pytest.fixture(name="catcher")(catching)


async def invite(
    sessions: async_sessionmaker[AsyncSession],
    env: WorkflowEnvironment,
    candidate_id: uuid.UUID,
    **values: Any,
) -> None:
    """An invitation as stored, bypassing the API's checks (as an import or old row would)."""
    body: dict[str, Any] = {
        "kind": InvitationKind.WEBINAR, "sender_role": "marketing", "sender": None,
        "title": "Tracing at scale", "url": None, "message": None,
        "starts_at": await env.get_current_time() + timedelta(days=30),
    }  # fmt: skip
    body.update(values)
    session, stored = await load(sessions, candidate_id)
    async with session:
        await lifecycle.invite(session, env.client, stored, InvitationBody.model_construct(**body))


async def test_a_title_with_a_line_break_goes_out_on_one_subject_line(
    sessions: async_sessionmaker[AsyncSession], catcher: tuple[WireCatcher, int]
) -> None:
    handler, port = catcher
    candidate, _ = await make_candidate(sessions)
    async with sessions.begin() as session:
        invitation = await invitation_repo.add_invitation(
            session, candidate_id=candidate.id, kind="webinar", sender_role="marketing",
            sender=None, title="Data mesh\r\nin practice", url=None, starts_at=None, message=None,
        )  # fmt: skip
    touches = TouchActivities(sessions, Mailer("127.0.0.1", port, mail_from="r@example.com"),
                              Renderer(), MESSAGES)  # fmt: skip
    key = f"{candidate.id}:invitation:{invitation.id}"
    result = await ActivityEnvironment().run(
        touches.send_touch,
        request(str(candidate.id), "invitation", ref_id=str(invitation.id), idempotency_key=key),
    )
    assert result.status == "sent"
    [message] = handler.received
    assert message.lines_of("Subject") == [b"Subject: Invitation: Data mesh in practice"]


async def test_an_email_that_cannot_be_composed_fails_at_once_and_the_next_touch_goes(
    time_env: WorkflowEnvironment,
    start_candidate: StartCandidate,
    sessions: async_sessionmaker[AsyncSession],
    mailbox: MailboxHandler,
) -> None:
    now = await time_env.get_current_time()
    zone, local = zone_in_send_window(now)
    candidate, facts = await make_candidate(
        sessions, timezone=zone, country=country_without_holiday(local.date()),
        birthday_month=None, birthday_day=None, job_started_on=None,
    )  # fmt: skip
    handle = await start_candidate(CandidateState(facts=facts, policy=SchedulePolicy()))
    # Written straight to the database: a Reply-To that would inject a header, and a title
    # with a line break. Neither is cured by retrying.
    await invite(sessions, time_env, candidate.id, sender="ana@example.com\r\nBcc: x@example.com")
    await invite(sessions, time_env, candidate.id, title="Data mesh\r\nin practice")
    await time_env.sleep(timedelta(days=7))  # past a weekend, if there is one

    touches = sorted(await touches_of(sessions, candidate.id), key=lambda t: t.created_at)
    assert [(t.occasion, t.status) for t in touches] == [
        ("invitation", "failed"),
        ("invitation", "sent"),
    ]
    assert "cannot compose the email" in (touches[0].reason or "")
    [message] = mailbox.messages
    assert message["Subject"] == "You're invited: Data mesh in practice"
    assert "Bcc" not in message
    # Failed on its first attempt, not after half a day of retries.
    attempts = [
        event.activity_task_started_event_attributes.attempt
        async for event in handle.fetch_history_events()
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
    ]
    assert attempts and set(attempts) == {1}


@dataclass
class FlakyHandler(WireCatcher):
    """Notes the touch's row as it stands when DATA arrives. The first `defer` messages get a
    451; the next `lose` are kept, but answered only after the client gave up: to the sender,
    exactly a worker lost between the server's receipt and the recorded outcome."""

    database_url: str = ""
    idempotency_key: str = ""
    defer: int = 0
    lose: int = 0
    rows_at_data: list[tuple[str, str | None, str | None]] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        url = self.database_url.replace("postgresql+psycopg://", "postgresql://", 1)
        with psycopg.connect(url) as connection:
            row = connection.execute(
                "select status, phase, message_id from touches where idempotency_key = %s",
                (self.idempotency_key,),
            ).fetchone()
        if row is not None:
            self.rows_at_data.append(row)
        if self.defer > 0:
            self.defer -= 1
            return "451 4.3.0 try again later"
        answer = await super().handle_DATA(server, session, envelope)
        if self.lose > 0:
            self.lose -= 1
            await asyncio.sleep(2.5)  # past the client's timeout: it never sees the 250
        return answer


@pytest.fixture
def flaky(database_url: str) -> Iterator[tuple[FlakyHandler, int]]:
    handler, port = FlakyHandler(database_url=database_url), free_port()
    with serving(handler, port):
        yield handler, port


async def flaky_send(
    sessions: async_sessionmaker[AsyncSession], flaky: tuple[FlakyHandler, int], **mailer: Any
) -> tuple[Candidate, SendTouchInput, Callable[[SendTouchInput], Awaitable[SendTouchResult]]]:
    """A candidate, their birthday touch, and the send activity, through the flaky server."""
    handler, port = flaky
    candidate, _ = await make_candidate(sessions)
    touch = request(str(candidate.id))
    handler.idempotency_key = touch.idempotency_key
    smtp = Mailer("127.0.0.1", port, mail_from="r@example.com", **mailer)
    return candidate, touch, TouchActivities(sessions, smtp, Renderer(), MESSAGES).send_touch


async def test_a_send_lost_mid_exchange_is_sent_again_and_flagged_never_a_third_time(
    sessions: async_sessionmaker[AsyncSession], flaky: tuple[FlakyHandler, int]
) -> None:
    handler = flaky[0]
    handler.lose = 1
    candidate, touch, send = await flaky_send(sessions, flaky, timeout=1)

    with pytest.raises(Exception):  # noqa: B017 - the timeout, as aiosmtplib raises it
        await ActivityEnvironment().run(send, touch)
    # Recorded before DATA, with its Message-ID; not `sent` (nobody saw the 250).
    [received] = handler.received
    message_id = received.value("Message-ID")
    assert handler.rows_at_data == [("scheduled", "sending", message_id)]
    async with sessions() as session:
        [lost] = await touch_repo.list_touches(session, candidate.id)
    assert (lost.status, lost.phase, lost.message_id) == ("scheduled", "sending", message_id)

    # The retry cannot tell whether it arrived: it sends again (losing it is worse) and says so.
    retried = await ActivityEnvironment().run(send, touch)
    assert (retried.status, retried.already_done) == ("sent", False)
    assert [m.value("Message-ID") for m in handler.received] == [message_id, message_id]
    async with sessions() as session:
        [sent] = await touch_repo.list_touches(session, candidate.id)
    shown = TouchOut.model_validate(sent, from_attributes=True)
    assert (shown.status, shown.possibly_duplicate) == ("sent", True)
    assert shown.reason is not None and shown.reason.startswith("possibly delivered twice")
    assert sent.phase is None and sent.message_id == message_id

    again = await ActivityEnvironment().run(send, touch)
    assert (again.status, again.already_done) == ("sent", True)
    assert len(handler.received) == 2


async def test_a_refusal_for_now_at_data_leaves_no_trace_and_the_retry_sends_once(
    sessions: async_sessionmaker[AsyncSession], flaky: tuple[FlakyHandler, int]
) -> None:
    handler = flaky[0]
    handler.defer = 1
    candidate, touch, send = await flaky_send(sessions, flaky)

    with pytest.raises(TemporaryDeliveryError):
        await ActivityEnvironment().run(send, touch)
    assert handler.received == []
    async with sessions() as session:
        assert await touch_repo.list_touches(session, candidate.id) == []

    result = await ActivityEnvironment().run(send, touch)
    assert result.status == "sent"
    async with sessions() as session:
        [sent] = await touch_repo.list_touches(session, candidate.id)
    assert (sent.possibly_duplicate, sent.reason, sent.phase) == (False, None, None)
    assert len(handler.received) == 1
