"""Reading an unsubscribe link, and the opt-out it asks for."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from api.candidates import lifecycle
from api.candidates.schemas import OptOutBody
from api.errors import NotFound
from rapport import signing
from rapport.db.repositories import candidates as candidate_repo
from rapport.settings import Settings
from rapport.vocabulary import Channel, Stage


def read_token(settings: Settings, token: str) -> tuple[uuid.UUID, str]:
    """The candidate and channel a link was signed for; an unknown link is not found."""
    try:
        candidate_id, channel = signing.verify(settings.require_secret_key(), token)
        return uuid.UUID(candidate_id), Channel(channel).value
    except ValueError:
        raise NotFound("unknown unsubscribe link") from None


async def unsubscribe(
    session: AsyncSession, client: Client, settings: Settings, token: str
) -> None:
    """No more messages on the link's channel, at once; an erased candidate is already gone."""
    candidate_id, channel = read_token(settings, token)
    candidate = await candidate_repo.get_candidate(session, candidate_id)
    if candidate is not None and candidate.stage != Stage.ERASED:
        await lifecycle.opt_out(
            session, client, candidate, OptOutBody.model_validate({"channels": [channel]})
        )
