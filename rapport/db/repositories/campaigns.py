"""Campaigns: marketing's invitation of a segment to a webinar or event."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from rapport.db.models import Campaign
from rapport.db.repositories.base import Lookup, add

lookup = Lookup(Campaign)
get_campaign = lookup.by_id
get_campaign_by_external_id = lookup.by_external_id


def add_campaign(session: AsyncSession, **values: Any) -> Campaign:
    return add(session, Campaign, **values)
