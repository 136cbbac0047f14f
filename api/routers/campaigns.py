"""Campaigns: marketing invites a segment; each invitation goes through the candidate's own
budget and channel policy."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import func, select
from temporalio.common import WorkflowIDConflictPolicy

from api.auth import READ_ALL, WRITE
from api.deps import SessionDep, SettingsDep, TemporalDep, id_or_404
from api.schemas import CampaignBody, CampaignOut
from rapport.db import repository
from rapport.db.models import Campaign, Invitation
from workflows.campaign import CampaignWorkflow
from workflows.models import FanOutInput, FanOutState

router = APIRouter(prefix="/api/campaigns", tags=["campaigns"])


async def campaign_out(session: SessionDep, campaign: Campaign) -> CampaignOut:
    invited = await session.scalar(
        select(func.count()).where(Invitation.campaign_id == campaign.id)
    )
    out = CampaignOut.model_validate(campaign, from_attributes=True)
    out.invited = int(invited or 0)
    return out


@router.post("", status_code=status.HTTP_201_CREATED, dependencies=[WRITE])
async def start_campaign(
    body: CampaignBody, session: SessionDep, temporal: TemporalDep, settings: SettingsDep
) -> CampaignOut:
    """Invite a segment (skills, interests, location, relationship) to a webinar or event."""
    campaign_id = uuid.uuid4()
    campaign = Campaign(
        id=campaign_id,
        workflow_id=f"campaign-{campaign_id}",
        name=body.name,
        kind=body.kind,
        sender_role=body.sender_role,
        sender=str(body.sender).lower() if body.sender else None,
        title=body.title,
        url=body.url,
        starts_at=body.starts_at,
        message=body.message,
        segment=body.segment.model_dump(mode="json", exclude_defaults=True),
        invited=0,
    )
    session.add(campaign)
    await session.flush()
    await temporal.start_workflow(
        CampaignWorkflow.run,
        FanOutInput(
            state=FanOutState(
                kind="campaign",
                target_id=str(campaign_id),
                page_size=settings.fanout_page_size,
                concurrency=settings.fanout_concurrency,
            )
        ),
        id=campaign.workflow_id,
        task_queue=settings.task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        static_summary=f"campaign {campaign_id} ({body.kind})",
    )
    await session.commit()
    await session.refresh(campaign)
    return await campaign_out(session, campaign)


@router.get("/{campaign_id}", dependencies=[READ_ALL])
async def get_campaign(campaign_id: str, session: SessionDep) -> CampaignOut:
    """The campaign and how many candidates it has invited so far."""
    campaign = await repository.get_campaign(session, id_or_404(campaign_id, "campaign"))
    if campaign is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "campaign not found")
    return await campaign_out(session, campaign)
