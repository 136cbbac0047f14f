"""How a touch's outcome is recorded: its row (unique by idempotency key) and what each vacancy
it names sees of the candidate (notified, or skipped and why).

`TouchActivities` records with these, through the repositories, in one transaction each.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from rapport.contracts.touches import SendTouchInput, SendTouchResult, vacancy_ids_of
from rapport.db.models import Article, Candidate
from rapport.db.repositories import touches as touch_repo
from rapport.db.repositories import vacancies as vacancy_repo
from rapport.vocabulary import MatchStatus, TouchStatus


class Recording:
    """The record-keeping half of the touch activities."""

    _sessions: async_sessionmaker[AsyncSession]

    async def _mark_vacancies(
        self, session: AsyncSession, request: SendTouchInput, candidate: Candidate, status: str,
        reason: str | None,
    ) -> None:  # fmt: skip
        """Keep each vacancy's view of this candidate current: notified, or skipped and why."""
        ids = [uuid.UUID(vacancy_id) for vacancy_id in vacancy_ids_of(request)]
        if not ids:
            return
        notified = status in (TouchStatus.SENT, TouchStatus.AWAITING_OWNER)
        await vacancy_repo.set_match_status(
            session,
            ids,
            [candidate.id],
            status=MatchStatus.NOTIFIED if notified else MatchStatus.SKIPPED,
            reason=None if notified else reason,
            # A vacancy that closed meanwhile stays cancelled, and a reply stays a reply.
            only_from=[MatchStatus.MATCHED, MatchStatus.NOTIFIED],
        )

    def _touch_values(
        self, request: SendTouchInput, candidate: Candidate, status: TouchStatus
    ) -> dict[str, Any]:
        return {
            "candidate_id": candidate.id,
            "idempotency_key": request.idempotency_key,
            "occasion": request.occasion,
            "channel": request.channel,
            "sender_role": request.sender_role,
            "sender": request.sender,
            "status": status.value,
            "due_at": request.due_at,
        }

    async def _record(
        self,
        request: SendTouchInput,
        candidate: Candidate,
        status: TouchStatus,
        *,
        reason: str | None = None,
        subject: str | None = None,
        message_id: str | None = None,
        sent_at: datetime | None = None,
        article: Article | None = None,
    ) -> SendTouchResult:
        async with self._sessions.begin() as session:
            inserted = await touch_repo.record_touch(
                session,
                **self._touch_values(request, candidate, status),
                reason=reason,
                subject=subject,
                message_id=message_id,
                sent_at=sent_at,
                article_id=article.id if article else None,
            )
            if inserted:
                await self._mark_vacancies(session, request, candidate, status, reason)
        if not inserted:
            activity.logger.info(
                "touch %s was recorded by an earlier attempt", request.idempotency_key
            )
        return SendTouchResult(request.idempotency_key, status, reason, already_done=not inserted)
