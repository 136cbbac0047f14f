"""What happens to a candidate after enrolment: meetings, replies, invitations, opt-outs, stage
changes, erasure. Each writes PostgreSQL first, commits, then tells the workflow, so the
database is the truth and the workflow follows it (activities re-check it before any send).
"""

from __future__ import annotations

import contextlib
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError

from api.candidates.schemas import (
    InteractionOut,
    InvitationBody,
    MetInPersonBody,
    OptOutBody,
    RepliedBody,
    StageBody,
)
from api.candidates.workflow import signal
from rapport.contracts.candidate import (
    InvitationReceived,
    MetInPerson,
    OptedOut,
    Replied,
    StageChange,
)
from rapport.db.models import Candidate, Interaction, Invitation
from rapport.db.repositories import candidates as candidate_repo
from rapport.db.repositories import interactions as interaction_repo
from rapport.db.repositories import invitations as invitation_repo
from rapport.db.repositories import vacancies as vacancy_repo
from rapport.outreach.policy import MET_IN_PERSON
from rapport.vocabulary import (
    Channel,
    InteractionType,
    RelationshipOrigin,
    SenderRole,
    Sentiment,
    Stage,
)
from workflows.candidate import CandidateWorkflow


def interaction_out(interaction: Interaction, stage: str) -> InteractionOut:
    return InteractionOut(
        id=interaction.id,
        candidate_id=interaction.candidate_id,
        type=interaction.type,
        event=interaction.event,
        date=interaction.happened_on,
        rapport=interaction.rapport,
        met_by=interaction.met_by,
        sentiment=interaction.sentiment,
        channel=interaction.channel,
        resume_on=interaction.resume_on,
        stage=Stage(stage),
        created_at=interaction.created_at,
    )


async def met_in_person(
    session: AsyncSession, client: Client, candidate: Candidate, body: MetInPersonBody
) -> InteractionOut:
    """Record the meeting, warm up the relationship, and have the workflow plan a thank-you."""
    interaction = await interaction_repo.add_interaction(
        session,
        candidate_id=candidate.id,
        type=InteractionType.MET_IN_PERSON.value,
        event=body.event,
        happened_on=body.date,
        rapport=body.rapport.value,
        met_by=str(body.met_by).lower() if body.met_by else None,
    )
    candidate.rapport = body.rapport.value
    if candidate.relationship_origin not in MET_IN_PERSON:
        candidate.relationship_origin = RelationshipOrigin.IN_PERSON_EVENT.value
    await session.commit()
    await session.refresh(interaction)
    await signal(
        client,
        candidate,
        CandidateWorkflow.met_in_person,
        MetInPerson(
            interaction_id=str(interaction.id),
            met_on=body.date.isoformat(),
            rapport=body.rapport,
            met_by=interaction.met_by,
            met_by_role=SenderRole.EMPLOYEE,
        ),
    )
    return interaction_out(interaction, candidate.stage)


async def replied(
    session: AsyncSession,
    client: Client,
    candidate: Candidate,
    body: RepliedBody,
    *,
    interaction: Interaction | None = None,
) -> InteractionOut:
    """Interested: a person takes over. Not now: carry on (from `resume_on`, if given). Not
    interested: greetings only. `interaction`: the `unclassified` reply read from mail that
    this classifies (else a new interaction is recorded); either way the hold is released."""
    sentiment = Sentiment(body.sentiment)
    resume_on = body.resume_on if sentiment == Sentiment.NOT_NOW else None
    if interaction is None:
        interaction = await interaction_repo.add_interaction(
            session,
            candidate_id=candidate.id,
            type=InteractionType.REPLIED.value,
            sentiment=sentiment.value,
            channel=body.channel.value if body.channel else None,
            resume_on=resume_on,
        )
    else:
        interaction.sentiment = sentiment.value
        interaction.resume_on = resume_on
    if sentiment == Sentiment.INTERESTED and candidate.stage == Stage.NURTURING:
        candidate.stage = Stage.ENGAGED.value
    elif sentiment == Sentiment.NOT_INTERESTED:
        candidate.greetings_only = True
    # Whatever they said, it answers the vacancy messages they had.
    await vacancy_repo.mark_replied(session, candidate.id)
    await session.commit()
    await session.refresh(interaction)
    await signal(
        client,
        candidate,
        CandidateWorkflow.replied,
        Replied(
            interaction_id=str(interaction.id),
            sentiment=sentiment,
            channel=Channel(interaction.channel) if interaction.channel else None,
            resume_on=resume_on.isoformat() if resume_on else None,
        ),
    )
    return interaction_out(interaction, candidate.stage)


async def invite(
    session: AsyncSession, client: Client, candidate: Candidate, body: InvitationBody
) -> Invitation:
    invitation = await invitation_repo.add_invitation(
        session,
        candidate_id=candidate.id,
        kind=body.kind.value,
        sender_role=body.sender_role,
        sender=str(body.sender).lower() if body.sender else candidate.owner,
        title=body.title,
        url=body.url,
        starts_at=body.starts_at,
        message=body.message,
    )
    await session.commit()
    await session.refresh(invitation)
    await signal(
        client,
        candidate,
        CandidateWorkflow.invitation,
        InvitationReceived(
            invitation_id=str(invitation.id),
            sender_role=SenderRole(invitation.sender_role),
            sender=invitation.sender,
            deadline=invitation.starts_at,
        ),
    )
    return invitation


async def opt_out(
    session: AsyncSession, client: Client, candidate: Candidate, body: OptOutBody
) -> Candidate:
    """Per channel, or everything: takes effect at once, even for a touch waiting to go."""
    channels = [channel.value for channel in body.channels or []]
    if channels:
        candidate.opt_outs = sorted(set(candidate.opt_outs or []) | set(channels))
    else:
        candidate.stage = Stage.OPTED_OUT.value
    await session.commit()
    await session.refresh(candidate)
    await signal(
        client, candidate, CandidateWorkflow.opted_out, OptedOut(channels=list(body.channels or []))
    )
    return candidate


async def change_stage(
    session: AsyncSession, client: Client, candidate: Candidate, body: StageBody
) -> Candidate:
    candidate.stage = body.stage
    await session.commit()
    await session.refresh(candidate)
    await signal(
        client, candidate, CandidateWorkflow.stage_changed, StageChange(stage=Stage(body.stage))
    )
    return candidate


async def erase(session: AsyncSession, client: Client, candidate: Candidate) -> None:
    """Delete every personal datum, end the workflow, keep an anonymous audit row."""
    workflow_id = candidate.workflow_id
    await candidate_repo.erase_candidate(session, candidate)
    await session.commit()
    handle: WorkflowHandle[Any, Any] = client.get_workflow_handle(workflow_id)
    # Already ended, or Temporal unreachable: the data is gone either way, and a workflow that
    # wakes up later finds no candidate and ends itself.
    with contextlib.suppress(RPCError):
        await handle.terminate(reason="candidate erased on request")
