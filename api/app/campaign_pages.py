"""Campaigns (HR; viewers read): the list, and a campaign's page with what became of its
invitations: reached (the touch went out), skipped (and why, as each candidate's budget and
channel policy decided), still waiting, and replied. From PostgreSQL alone, never a workflow.
Campaigns are started through `POST /api/campaigns` (marketing's tooling)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from api.app.access import Reader
from api.app.render import page
from api.campaigns import service as campaigns
from api.deps import SessionDep, id_or_404

router = APIRouter(prefix="/campaigns")


@router.get("")
async def campaign_list(request: Request, principal: Reader, session: SessionDep) -> Response:
    context: dict[str, Any] = {"title": "Campaigns", "campaigns": await campaigns.listing(session)}
    return page(request, "campaigns.html", context)


@router.get("/{campaign_id}")
async def campaign_page(
    request: Request, campaign_id: str, principal: Reader, session: SessionDep
) -> Response:
    campaign = await campaigns.load(session, id_or_404(campaign_id, "campaign"))
    found = await campaigns.outcomes(session, campaign)
    context: dict[str, Any] = {
        "title": campaign.name,
        "c": campaign,
        "o": found,
        "reached": found.by_status.get("sent", 0),
        "skipped": found.by_status.get("skipped", 0),
        "waiting": sum(
            found.by_status.get(s, 0) for s in ("pending", "scheduled", "awaiting_owner")
        ),
        "failed": found.by_status.get("failed", 0),
    }
    return page(request, "campaign.html", context)
