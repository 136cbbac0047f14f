"""Starting a campaign (its row and its fan-out workflow together) and reading it back."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy

from api.campaigns.schemas import CampaignBody, CampaignOut
from api.create_then_start import create_then_start, fan_out_input
from api.errors import NotFound
from rapport.db.models import Campaign
from rapport.db.repositories import campaigns as campaign_repo
from rapport.db.repositories import invitations as invitation_repo
from rapport.settings import Settings
from workflows.campaign import CampaignWorkflow


async def campaign_out(session: AsyncSession, campaign: Campaign) -> CampaignOut:
    out = CampaignOut.model_validate(campaign, from_attributes=True)
    out.invited = await invitation_repo.count_invited(session, campaign.id)
    return out


async def load(session: AsyncSession, campaign_id: uuid.UUID) -> Campaign:
    campaign = await campaign_repo.get_campaign(session, campaign_id)
    if campaign is None:
        raise NotFound("campaign not found")
    return campaign


async def start_campaign(
    session: AsyncSession, client: Client, settings: Settings, body: CampaignBody
) -> tuple[CampaignOut, bool]:
    """The campaign and whether this call started it; the same external_id is the same one."""
    external_id = body.external_id

    async def find() -> Campaign | None:
        if external_id is None:
            return None
        return await campaign_repo.get_campaign_by_external_id(session, external_id)

    def create() -> Campaign:
        campaign_id = uuid.uuid4()
        return campaign_repo.add_campaign(
            session,
            id=campaign_id,
            external_id=external_id,
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

    async def start(campaign: Campaign) -> None:
        await client.start_workflow(
            CampaignWorkflow.run,
            fan_out_input("campaign", campaign.id, settings),
            id=campaign.workflow_id,
            task_queue=settings.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            static_summary=f"campaign {campaign.id} ({body.kind})",
        )

    campaign, created = await create_then_start(session, find=find, create=create, start=start)
    return await campaign_out(session, campaign), created


LISTED = 200


async def listing(session: AsyncSession) -> list[Campaign]:
    """The newest campaigns."""
    return list(await campaign_repo.list_campaigns(session, limit=LISTED))


async def outcomes(session: AsyncSession, campaign: Campaign) -> campaign_repo.InvitationOutcomes:
    """What became of its invitations: reached, skipped (and why), waiting, replied."""
    return await campaign_repo.invitation_outcomes(session, campaign.id)
