"""send_touch re-checks the reply hold in PostgreSQL right before an automated email: a reply
read from mail that waits for its owner stops it (`replies_to_classify`), even when the
workflow had not heard of the reply yet; once the reply is classified, email goes out again."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import ActivityEnvironment

from activities.touches import REPLY_HOLD
from harness.rows import make_candidate, make_person
from rapport.db.models import Candidate
from rapport.db.repositories import interactions as interaction_repo
from rapport.db.repositories import touches as touch_repo
from rapport.mailbox import MailboxHandler
from rapport.vocabulary import Channel, InteractionType, Sentiment

from .test_send_touch import activities, request


async def reply(
    sessions: async_sessionmaker[AsyncSession], candidate_id: object, sentiment: str
) -> None:
    async with sessions.begin() as session:
        await interaction_repo.add_interaction(
            session,
            candidate_id=candidate_id,
            type=InteractionType.REPLIED.value,
            sentiment=sentiment,
            channel=Channel.EMAIL.value,
        )


async def with_sender(sessions: async_sessionmaker[AsyncSession]) -> Candidate:
    candidate, _ = await make_candidate(sessions)
    await make_person(sessions, "jane.doe@example.com", "Jane Doe")
    return candidate


async def test_a_reply_waiting_to_be_classified_stops_the_email(
    sessions: async_sessionmaker[AsyncSession], mailbox: MailboxHandler, smtp_port: int
) -> None:
    candidate = await with_sender(sessions)
    send, env = activities(sessions, smtp_port).send_touch, ActivityEnvironment()
    before = len([m for m in mailbox.messages if m["To"] == candidate.email])

    await reply(sessions, candidate.id, Sentiment.UNCLASSIFIED.value)
    held = await env.run(send, request(str(candidate.id)))
    assert (held.status, held.reason) == ("skipped", REPLY_HOLD)
    assert len([m for m in mailbox.messages if m["To"] == candidate.email]) == before
    async with sessions() as session:
        touches = await touch_repo.list_touches(session, candidate.id)
    assert [(t.status, t.reason) for t in touches] == [("skipped", REPLY_HOLD)]

    # The owner said what it meant (a reply recorded with its sentiment ends the hold too).
    await reply(sessions, candidate.id, Sentiment.NOT_NOW.value)
    sent = await env.run(send, request(str(candidate.id), idempotency_key=f"{candidate.id}:next"))
    assert (sent.status, sent.reason) == ("sent", None)
    assert len([m for m in mailbox.messages if m["To"] == candidate.email]) == before + 1


async def test_an_earlier_reply_already_classified_holds_nothing(
    sessions: async_sessionmaker[AsyncSession], mailbox: MailboxHandler, smtp_port: int
) -> None:
    candidate = await with_sender(sessions)
    await reply(sessions, candidate.id, Sentiment.INTERESTED.value)
    result = await ActivityEnvironment().run(
        activities(sessions, smtp_port).send_touch, request(str(candidate.id))
    )
    assert result.status == "sent"
