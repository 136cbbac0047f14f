"""The send-a-touch activity: load the candidate, render, deliver, record; at most once per key."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from activities.mail import Mailer, PermanentDeliveryError
from activities.templates import InvalidTemplateError, Renderer
from rapport.db import repository
from rapport.db.models import Candidate
from rapport.facts import facts_from_candidate
from rapport.vocabulary import Channel, Occasion, TouchStatus
from workflows.models import SendTouchInput, SendTouchResult
from workflows.policy import choose_channel


def sender_name(owner: str | None, company: str) -> str:
    """`jane.doe@acme.test` → `Jane Doe`; no owner → the company's team."""
    if not owner:
        return f"The {company} team"
    local = owner.partition("@")[0]
    words = [word for word in local.replace("_", ".").replace("-", ".").split(".") if word]
    return " ".join(word.capitalize() for word in words) or f"The {company} team"


def message_context(candidate: Candidate, request: SendTouchInput, company: str) -> dict[str, Any]:
    """The values a template may use; nothing else from the profile reaches the template."""
    context: dict[str, Any] = {
        "first_name": candidate.full_name.split()[0],
        "full_name": candidate.full_name,
        "current_employer": candidate.current_employer,
        "current_title": candidate.current_title,
        "company": company,
        "sender_name": sender_name(candidate.owner, company),
        "sender_role": request.sender_role,
        "occasion": request.occasion,
    }
    if request.occasion == Occasion.WORK_ANNIVERSARY and candidate.job_started_on:
        context["years"] = date.fromisoformat(request.local_date).year - (
            candidate.job_started_on.year
        )
    return context


class TouchActivities:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        mailer: Mailer,
        renderer: Renderer,
        *,
        company: str,
    ) -> None:
        self._sessions = session_factory
        self._mailer = mailer
        self._renderer = renderer
        self._company = company

    @activity.defn(name="send_touch")
    async def send_touch(self, request: SendTouchInput) -> SendTouchResult:
        key = request.idempotency_key
        async with self._sessions() as session:
            done = await repository.get_touch_by_key(session, key)
            if done is not None:
                return SendTouchResult(key, done.status, done.reason, already_done=True)
            candidate = await repository.get_candidate(session, uuid.UUID(request.candidate_id))
        if candidate is None:
            return SendTouchResult(key, TouchStatus.SKIPPED, "candidate no longer exists")

        refusal = self._refusal(candidate, request)
        if refusal is not None:
            return await self._record(request, candidate, TouchStatus.SKIPPED, reason=refusal)

        assert candidate.email is not None
        try:
            rendered = self._renderer.render(
                Channel.EMAIL, request.occasion, message_context(candidate, request, self._company)
            )
        except InvalidTemplateError as err:
            return await self._record(request, candidate, TouchStatus.FAILED, reason=str(err))

        message = self._mailer.compose(
            to=candidate.email, subject=rendered.subject, body=rendered.body, idempotency_key=key
        )
        try:
            await self._mailer.send(message)
        except PermanentDeliveryError as err:
            return await self._record(
                request, candidate, TouchStatus.FAILED, reason=str(err), subject=rendered.subject
            )
        return await self._record(
            request,
            candidate,
            TouchStatus.SENT,
            subject=rendered.subject,
            message_id=str(message["Message-ID"]),
            sent_at=datetime.now(UTC),
        )

    def _refusal(self, candidate: Candidate, request: SendTouchInput) -> str | None:
        """Re-check the plan against today's data: an address or consent may be gone."""
        if request.channel is None:
            return request.reason or "no channel allowed"
        if request.channel != Channel.EMAIL:
            return f"{request.channel} is not delivered automatically"
        choice = choose_channel(facts_from_candidate(candidate), request.occasion)
        if choice.channel != request.channel:
            return choice.reason or f"{request.channel} no longer suits this candidate"
        return None

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
    ) -> SendTouchResult:
        async with self._sessions.begin() as session:
            inserted = await repository.record_touch(
                session,
                candidate_id=candidate.id,
                idempotency_key=request.idempotency_key,
                occasion=request.occasion,
                channel=request.channel,
                sender_role=request.sender_role,
                sender=candidate.owner,
                status=status.value,
                reason=reason,
                subject=subject,
                message_id=message_id,
                due_at=request.due_at,
                sent_at=sent_at,
            )
        if not inserted:
            activity.logger.info(
                "touch %s was recorded by an earlier attempt", request.idempotency_key
            )
        return SendTouchResult(
            request.idempotency_key, status.value, reason, already_done=not inserted
        )
