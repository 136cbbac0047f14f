"""Campaigns: marketing's invitation of a segment to a webinar or event, and what became of
each invitation (the touch that carried it: sent, skipped and why, still waiting; a reply
after it)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import String, and_, cast, func, or_, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from rapport.db.models import Campaign, Interaction, Invitation, Touch
from rapport.db.repositories.base import Lookup, add
from rapport.vocabulary import InteractionType, Occasion, TouchStatus

lookup = Lookup(Campaign)
get_campaign = lookup.by_id
get_campaign_by_external_id = lookup.by_external_id
# As for vacancies: a reply months after the invitation answers something else.
REPLY_COUNTS_FOR_INVITATION = timedelta(days=30)


def add_campaign(session: AsyncSession, **values: Any) -> Campaign:
    return add(session, Campaign, **values)


async def list_campaigns(session: AsyncSession, *, limit: int) -> Sequence[Campaign]:
    query = select(Campaign).order_by(Campaign.created_at.desc(), Campaign.id).limit(limit)
    return (await session.execute(query)).scalars().all()


@dataclass
class InvitationOutcomes:
    invited: int = 0
    by_status: dict[str, int] = field(default_factory=dict)  # the carrying touch's; none: "pending"
    replied: int = 0
    skipped_reasons: dict[str, int] = field(default_factory=dict)


async def invitation_outcomes(session: AsyncSession, campaign_id: uuid.UUID) -> InvitationOutcomes:
    """Each invitation's latest touch (its key is `<candidate>:invitation:<invitation>`, with
    `:<channel>` after a fallback), grouped by status, reason and whether a reply followed."""
    key = func.concat(
        cast(Invitation.candidate_id, String),
        f":{Occasion.INVITATION}:",
        cast(Invitation.id, String),
    )
    latest = (
        select(Invitation.id, Invitation.candidate_id, Touch.status, Touch.reason, Touch.sent_at)
        .outerjoin(
            Touch,
            and_(
                Touch.candidate_id == Invitation.candidate_id,
                Touch.occasion == Occasion.INVITATION,
                or_(Touch.idempotency_key == key, Touch.idempotency_key.startswith(key + ":")),
            ),
        )
        .where(Invitation.campaign_id == campaign_id)
        .ext(distinct_on(Invitation.id))
        .order_by(Invitation.id, Touch.updated_at.desc().nulls_last())
        .subquery("latest")
    )
    replied = (
        select(Interaction.id)
        .where(
            Interaction.candidate_id == latest.c.candidate_id,
            Interaction.type == InteractionType.REPLIED,
            Interaction.created_at >= latest.c.sent_at,
            Interaction.created_at < latest.c.sent_at + REPLY_COUNTS_FOR_INVITATION,
        )
        .exists()
    )
    marked = select(
        latest.c.status,
        func.split_part(latest.c.reason, ":", 1).label("why"),
        replied.label("replied"),
    ).subquery("marked")
    rows = await session.execute(
        select(marked.c.status, marked.c.why, marked.c.replied, func.count()).group_by(
            marked.c.status, marked.c.why, marked.c.replied
        )
    )
    found = InvitationOutcomes()
    for status, why, has_reply, count in rows.all():
        found.invited += count
        name = status or "pending"
        found.by_status[name] = found.by_status.get(name, 0) + count
        if has_reply:
            found.replied += count
        if status == TouchStatus.SKIPPED:
            kind = (why or "no reason recorded").strip()
            found.skipped_reasons[kind] = found.skipped_reasons.get(kind, 0) + count
    return found
