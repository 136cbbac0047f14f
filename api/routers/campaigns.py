"""Campaigns: marketing invites a segment; each invitation goes through the candidate's own
budget and channel policy."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, HTTPException, Response, status
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from temporalio.common import WorkflowIDConflictPolicy

from api.auth import READ_ALL, WRITE
from api.deps import SessionDep, SettingsDep, TemporalDep, id_or_404
from api.schemas import CampaignBody, CampaignOut
from rapport.contracts.fanout import FanOutInput, FanOutState
from rapport.db import repository
from rapport.db.models import Campaign, Invitation
from workflows.campaign import CampaignWorkflow

router = APIRouter(prefix="/api/campaigns", tags=["campaigns"])


async def campaign_out(session: SessionDep, campaign: Campaign) -> CampaignOut:
    invited = await session.scalar(
        select(func.count()).where(Invitation.campaign_id == campaign.id)
    )
    out = CampaignOut.model_validate(campaign, from_attributes=True)
    out.invited = int(invited or 0)
    return out


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
    if body.external_id is not None:
        existing = await repository.get_campaign_by_external_id(session, body.external_id)
        if existing is not None:
            response.status_code = status.HTTP_200_OK
            return await campaign_out(session, existing)
    campaign_id = uuid.uuid4()
    campaign = Campaign(
        id=campaign_id,
        external_id=body.external_id,
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
    try:
        await session.flush()
    except IntegrityError:
        # The same external id posted twice at once: the other request started it.
        await session.rollback()
        assert body.external_id is not None
        existing = await repository.get_campaign_by_external_id(session, body.external_id)
        assert existing is not None
        response.status_code = status.HTTP_200_OK
        return await campaign_out(session, existing)
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
