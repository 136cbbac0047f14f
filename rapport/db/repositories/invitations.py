"""Invitations: one candidate's (an event, the CEO's invitation to connect), or a campaign's
to each member of its segment."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from rapport.db.models import Campaign, Invitation
from rapport.db.repositories.base import Lookup, add

get_invitation = Lookup(Invitation).by_id


async def add_invitation(session: AsyncSession, **values: Any) -> Invitation:
    invitation = add(session, Invitation, id=uuid.uuid4(), **values)
    await session.flush()
    return invitation


async def invite_members(
    session: AsyncSession, campaign: Campaign, candidate_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    """One invitation per candidate of the campaign (again on a retry: the same one)."""
    if candidate_ids:
        await session.execute(
            insert(Invitation)
            .values(
                [
                    {
                        "id": uuid.uuid4(),
                        "candidate_id": candidate_id,
                        "campaign_id": campaign.id,
                        "kind": campaign.kind,
                        "sender_role": campaign.sender_role,
                        "sender": campaign.sender,
                        "title": campaign.title,
                        "url": campaign.url,
                        "starts_at": campaign.starts_at,
                        "message": campaign.message,
                    }
                    for candidate_id in candidate_ids
                ]
            )
            .on_conflict_do_nothing(
                index_elements=[Invitation.campaign_id, Invitation.candidate_id]
            )
        )
    result = await session.execute(
        select(Invitation.candidate_id, Invitation.id).where(
            Invitation.campaign_id == campaign.id, Invitation.candidate_id.in_(candidate_ids)
        )
    )
    return {candidate_id: invitation_id for candidate_id, invitation_id in result.all()}


async def count_invited(session: AsyncSession, campaign_id: uuid.UUID) -> int:
    """How many candidates a campaign has invited so far."""
    invited = await session.scalar(
        select(func.count()).where(Invitation.campaign_id == campaign_id)
    )
    return int(invited or 0)
