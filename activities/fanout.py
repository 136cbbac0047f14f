"""Fan-out activities: match a page of candidates, keep the matches' status."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

import rapport.timeouts as timeouts
from rapport.contracts.fanout import (
    CloseMatchesInput,
    CloseMatchesResult,
    MarkMatchesInput,
    MatchPage,
    MatchPageInput,
    Recipient,
)
from rapport.db.models import Candidate
from rapport.db.repositories import campaigns as campaign_repo
from rapport.db.repositories import candidates as candidate_repo
from rapport.db.repositories import invitations as invitation_repo
from rapport.db.repositories import vacancies as vacancy_repo
from rapport.matching import in_segment, match
from rapport.profiles import candidate_profile, vacancy_profile, writer
from rapport.vocabulary import MatchStatus, SenderRole, VacancyStatus


class NotCommittedYet(Exception):
    """The API starts the workflow just before it commits the row: a page that finds no row
    is retried, rather than reporting its candidates as matching nothing."""


def not_committed(what: str) -> Exception:
    """Retried for a few minutes; after that the row is not coming (the API's commit failed),
    and the workflow fails where an operator sees it rather than retrying for ever."""
    if activity.info().attempt >= timeouts.NOT_COMMITTED_ATTEMPTS:
        return ApplicationError(f"{what} was never committed", non_retryable=True)
    return NotCommittedYet(what)


class FanOutActivities:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = session_factory

    @activity.defn(name="match_page")
    async def match_page(self, request: MatchPageInput) -> MatchPage:
        """Score one page of candidates; matches are stored (idempotently) with their reasons.

        Every fitting candidate of the page is returned, even one stored by an earlier attempt,
        so a retried page still reaches everyone; the workflow's recorded signals and the
        candidates' own memory of vacancies keep anyone from hearing twice.
        """
        after = uuid.UUID(request.after) if request.after else None
        async with self._sessions.begin() as session:
            page = await candidate_repo.candidates_page(session, after=after, limit=request.limit)
            if request.kind == "vacancy":
                recipients = await self._vacancy_page(session, request.target_id, page)
            else:
                recipients = await self._campaign_page(session, request.target_id, page)
        next_cursor = str(page[-1].id) if len(page) == request.limit else None
        return MatchPage(recipients=recipients, next_cursor=next_cursor, scanned=len(page))

    async def _vacancy_page(
        self, session: AsyncSession, vacancy_id: str, page: Sequence[Candidate]
    ) -> list[Recipient]:
        vacancy = await vacancy_repo.get_vacancy(session, uuid.UUID(vacancy_id))
        if vacancy is None:
            raise not_committed(f"vacancy {vacancy_id}")
        if vacancy.status != VacancyStatus.OPEN:
            return []
        wanted = vacancy_profile(vacancy)
        rows = []
        recipients = []
        for candidate in page:
            result = match(candidate_profile(candidate), wanted)
            if not result.fits:
                continue
            rows.append(
                {
                    "candidate_id": candidate.id,
                    "score": result.score,
                    "reasons": list(result.reasons),
                    "status": MatchStatus.MATCHED,
                }
            )
            role = SenderRole(candidate.owner_role) if candidate.owner else SenderRole.EMPLOYEE
            recipients.append(
                Recipient(str(candidate.id), vacancy_id, role, writer(candidate, vacancy))
            )
        await vacancy_repo.save_matches(session, vacancy.id, rows)
        return recipients

    async def _campaign_page(
        self, session: AsyncSession, campaign_id: str, page: Sequence[Candidate]
    ) -> list[Recipient]:
        campaign = await campaign_repo.get_campaign(session, uuid.UUID(campaign_id))
        if campaign is None:
            raise not_committed(f"campaign {campaign_id}")
        members = [
            candidate
            for candidate in page
            if candidate.stage == "nurturing"
            and in_segment(
                candidate_profile(candidate),
                candidate.interests or (),
                candidate.relationship_origin,
                candidate.rapport,
                dict(campaign.segment or {}),
            )
        ]
        invitations = await invitation_repo.invite_members(
            session, campaign, [candidate.id for candidate in members]
        )
        return [
            Recipient(
                str(candidate.id),
                str(invitations[candidate.id]),
                SenderRole(campaign.sender_role),
                campaign.sender or candidate.owner,
                campaign.starts_at,
            )
            for candidate in members
            if candidate.id in invitations
        ]

    @activity.defn(name="mark_matches")
    async def mark_matches(self, request: MarkMatchesInput) -> None:
        async with self._sessions.begin() as session:
            await vacancy_repo.set_match_status(
                session,
                [uuid.UUID(request.vacancy_id)],
                [uuid.UUID(candidate_id) for candidate_id in request.candidate_ids],
                status=request.status,
                reason=request.reason,
            )

    @activity.defn(name="close_matches")
    async def close_matches(self, request: CloseMatchesInput) -> CloseMatchesResult:
        """The vacancy closed: a page of the matches not yet acted on are cancelled, and their
        candidates returned for the workflow to tell."""
        vacancy_id = uuid.UUID(request.vacancy_id)
        after = uuid.UUID(request.after) if request.after else None
        async with self._sessions.begin() as session:
            pending = await vacancy_repo.pending_matches(
                session, vacancy_id, after=after, limit=request.limit
            )
            await vacancy_repo.set_match_status(
                session,
                [vacancy_id],
                pending,
                status=MatchStatus.CANCELLED,
                reason=vacancy_repo.CLOSED_BEFORE_SENT,
                only_from=[MatchStatus.MATCHED, MatchStatus.NOTIFIED],
            )
        return CloseMatchesResult(candidate_ids=[str(candidate_id) for candidate_id in pending])

    @activity.defn(name="send_digests")
    async def send_digests(self, request: CloseMatchesInput) -> Any:
        """Retired: the owners hear of a vacancy's matches in their daily digest. Registered
        only so that a vacancy run caught in the middle of this step when the daily digest
        shipped can move on; its matches go out in the next daily digest.

        `Any`, not None: the workflow calls it by method, so this is the result type its
        history is decoded with, and runs recorded before hold the old `{"owners": n}`."""
        return None
