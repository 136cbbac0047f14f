"""The SMTP exchange of a touch's email: the only window in which a lost worker can double a
message.

The touch is claimed (`sending`, with its Message-ID) right before DATA and recorded `sent` the
moment the server accepts it, before QUIT; everything else (rendering, composing, the
vacancies it names) happens outside that window. A retry finding it recorded never sends; one
finding it still `sending` sends again, since not sending risks losing it, and flags the touch
as possibly delivered twice (the same Message-ID, which lets mail systems fold the two).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from activities.mail import Mailer, TemporaryDeliveryError
from rapport.contracts.touches import SendTouchInput
from rapport.db.models import Article, Candidate
from rapport.db.repositories import touches as touch_repo

# The reason on a touch sent again after an attempt was lost in its SMTP exchange.
POSSIBLY_TWICE = (
    "possibly delivered twice: an earlier attempt was lost during its SMTP exchange and "
    "this one sent it again, with the same Message-ID"
)


@dataclass(frozen=True)
class Outgoing:
    """An email composed for a touch, about to go out."""

    request: SendTouchInput
    candidate: Candidate
    message: EmailMessage
    subject: str
    article: Article | None
    # An earlier attempt was lost in its SMTP exchange: this one may deliver it twice.
    in_flight: bool
    # The touch's row as it is recorded: candidate, key, occasion, channel, sender, due.
    scheduled: dict[str, Any]
    sent: dict[str, Any]


class TouchTaken(Exception):
    """Another attempt claimed or finished this touch first: this one must not send."""


async def exchange(
    sessions: async_sessionmaker[AsyncSession], mailer: Mailer, out: Outgoing
) -> None:
    """Send `out`, claiming it before DATA and recording it on the server's 250.

    Raises TouchTaken when another attempt has it, and whatever the mailer raises; a temporary
    refusal releases the claim (the message certainly did not go out)."""
    key = out.request.idempotency_key
    written = {
        "subject": out.subject,
        "message_id": str(out.message["Message-ID"]),
        "article_id": out.article.id if out.article else None,
    }
    claimed = False
    # One connection held from the claim to the record (and only one, so a full pool cannot
    # deadlock), in autocommit: once the server has the message, recording it waits for no
    # pool checkout or liveness ping, and is one round trip (each statement is atomic).
    engine: AsyncEngine = sessions.kw["bind"]
    async with engine.connect() as held:
        connection = await held.execution_options(isolation_level="AUTOCOMMIT")
        session = AsyncSession(bind=connection)

        async def claim() -> None:
            nonlocal claimed
            if out.in_flight:
                claimed = await touch_repo.reclaim_touch(session, key, POSSIBLY_TWICE)
            else:
                claimed = await touch_repo.claim_touch(session, **out.scheduled, **written)
            await session.commit()
            if not claimed:
                raise TouchTaken(key)  # called off before DATA: another attempt has it

        async def delivered() -> None:
            await touch_repo.record_touch(session, **out.sent, **written, sent_at=datetime.now(UTC))
            await session.commit()

        try:
            await mailer.send(out.message, before_data=claim, after_data=delivered)
        except TemporaryDeliveryError:
            if claimed:  # refused for now, so certainly not delivered: as if never claimed
                await touch_repo.release_touch(session, key)
                await session.commit()
            raise
        finally:
            await session.close()
