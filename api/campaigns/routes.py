"""Campaigns: marketing invites a segment; each invitation goes through the candidate's own
budget and channel policy."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from api.auth import READ_ALL, WRITE
from api.campaigns import service
from api.campaigns.schemas import CampaignBody, CampaignOut
from api.deps import SessionDep, SettingsDep, TemporalDep, id_or_404

router = APIRouter(prefix="/api/campaigns", tags=["campaigns"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": CampaignOut, "description": "Already started: no second one."}},
    dependencies=[WRITE],
)
async def start_campaign(
    body: CampaignBody,
    response: Response,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
) -> CampaignOut:
    """Invite a segment (skills, interests, location, relationship) to a webinar or event."""
    out, created = await service.start_campaign(session, temporal, settings, body)
    if not created:
        response.status_code = status.HTTP_200_OK
    return out


@router.get("/{campaign_id}", dependencies=[READ_ALL])
async def get_campaign(campaign_id: str, session: SessionDep) -> CampaignOut:
    """The campaign and how many candidates it has invited so far."""
    campaign = await service.load(session, id_or_404(campaign_id, "campaign"))
    return await service.campaign_out(session, campaign)
