"""Touch activities: deliver (email, a provider's handwritten note), or hand a draft to a person.

What a touch says is drafted in `activities.drafting`. Each touch has an idempotency key:
delivery checks it before sending and records it after, with a unique constraint in between,
so a retried activity never sends twice.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from email.errors import MessageError

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from activities.drafting import Drafting, MessageSettings, unsubscribe_url
from activities.handwritten import HandwrittenNotes, NoteRejected, parse_postal_address
from activities.mail import Mailer, PermanentDeliveryError
from activities.recording import Recording
from activities.sending import POSSIBLY_TWICE, Outgoing, TouchTaken, exchange
from activities.templates import InvalidTemplateError, RenderedMessage, Renderer
from rapport.contracts.touches import (
    CloseTaskInput,
    CloseTaskResult,
    EngagedInput,
    OpenTaskInput,
    OpenTaskResult,
    SendTouchInput,
    SendTouchResult,
    vacancy_ids_of,
)
from rapport.db.models import Article, Candidate
from rapport.db.repositories import candidates as candidate_repo
from rapport.db.repositories import interactions as interaction_repo
from rapport.db.repositories import tasks as task_repo
from rapport.db.repositories import touches as touch_repo
from rapport.db.repositories import vacancies as vacancy_repo
from rapport.db.session import autocommit_twin
from rapport.facts import facts_from_candidate
from rapport.outreach.policy import refusal
from rapport.outreach.state import SchedulePolicy
from rapport.vocabulary import (
    Channel,
    EmailStatus,
    MatchStatus,
    Occasion,
    TaskKind,
    TaskStatus,
    TouchStatus,
)

# The reason of a touch skipped because a reply read from mail waits for its owner (the
# workflow's own hold, `replies_to_classify`, as PostgreSQL knows it).
REPLY_HOLD = "replies_to_classify"
# An interested reply is a warm lead: the owner should answer within two days.
ENGAGED_FOLLOW_UP_WITHIN = timedelta(days=2)


class TouchActivities(Recording, Drafting):
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        mailer: Mailer,
        renderer: Renderer,
        settings: MessageSettings,
        notes: HandwrittenNotes | None = None,
    ) -> None:
        self._sessions = session_factory
        # The send path's reads and one-statement writes: no BEGIN and COMMIT around them.
        self._reads = autocommit_twin(session_factory)
        self._writes = autocommit_twin(session_factory)
        self._mailer = mailer
        self._renderer = renderer
        self._settings = settings
        self._notes = notes
        self._policy = SchedulePolicy(note_provider=notes is not None)

    # --- automated delivery -------------------------------------------------------------
    @activity.defn(name="send_touch")
    async def send_touch(self, request: SendTouchInput) -> SendTouchResult:
        key = request.idempotency_key
        async with self._reads() as session:
            candidate, done = await touch_repo.candidate_and_touch(
                session, uuid.UUID(request.candidate_id), key
            )
            # Left `sending` by an attempt lost in its SMTP exchange: it may have gone out.
            in_flight = done is not None and done.phase == touch_repo.SENDING
            finished = done is not None and not in_flight
            article = None if finished else await self._article(session, candidate, request, done)
        if done is not None and finished:
            if candidate is not None and done.status == TouchStatus.SENT:
                # An email is recorded the moment it is accepted and its vacancies marked
                # after: a worker lost in between leaves the marks to this retry (idempotent).
                async with self._sessions.begin() as session:
                    await self._mark_vacancies(session, request, candidate, TouchStatus.SENT, None)
            return SendTouchResult(key, TouchStatus(done.status), done.reason, already_done=True)
        if candidate is None:
            return SendTouchResult(
                key, TouchStatus.SKIPPED, "candidate erased", candidate_gone=True
            )

        why_not = self._refusal(candidate, request)
        vacancies = None if why_not else await self._vacancies(candidate, request)
        why_not = why_not or await self._pointless(candidate, request, article, vacancies)
        if why_not is not None:
            if in_flight:
                why_not += "; an earlier attempt may have sent it"
            return await self._record(request, candidate, TouchStatus.SKIPPED, reason=why_not)

        # Nothing below the SMTP exchange is worth retrying when it fails: the same stored data
        # (a title, an address) fails the same way for the 12 hours of retries, holding every
        # later touch of the candidate. Such a touch is `failed`, with the reason, at once.
        try:
            rendered = await self._render(
                candidate, request, request.channel or "", article, vacancies
            )
        except (InvalidTemplateError, ValueError) as err:
            return await self._record(request, candidate, TouchStatus.FAILED, reason=str(err))
        # Re-checked from PostgreSQL right before it goes out: a reply read from mail while the
        # workflow was on its way here must not be followed by an automated message.
        async with self._reads() as session:
            held = await interaction_repo.reply_waiting(session, candidate.id)
        if held:
            why_not = REPLY_HOLD + ("; an earlier attempt may have sent it" if in_flight else "")
            return await self._record(request, candidate, TouchStatus.SKIPPED, reason=why_not)
        if request.channel == Channel.HANDWRITTEN_NOTE:
            return await self._send_note(request, candidate, rendered, article)
        assert candidate.email is not None and rendered.subject is not None
        try:
            message = self._mailer.compose(
                to=candidate.email,
                subject=rendered.subject,
                body=rendered.body,
                idempotency_key=key,
                reply_to=request.sender,
                unsubscribe_url=unsubscribe_url(self._settings, candidate.id),
                sender_name=rendered.sender_name,
            )
        except (ValueError, TypeError, MessageError) as err:
            return await self._record(
                request, candidate, TouchStatus.FAILED, reason=f"cannot compose the email: {err}"
            )
        out = Outgoing(
            request,
            candidate,
            message,
            rendered.subject,
            article,
            in_flight,
            scheduled=self._touch_values(request, candidate, TouchStatus.SCHEDULED),
            sent=self._touch_values(request, candidate, TouchStatus.SENT),
        )
        try:
            await exchange(self._sessions, self._mailer, out)
        except TouchTaken:
            async with self._reads() as session:
                taken = await touch_repo.get_touch_by_key(session, key)
            assert taken is not None
            return SendTouchResult(key, TouchStatus(taken.status), taken.reason, already_done=True)
        except PermanentDeliveryError as err:
            return await self._record(
                request, candidate, TouchStatus.FAILED, reason=str(err), subject=out.subject
            )
        # Any other failure after the claim leaves it `sending`: the message may be out.
        # Two independent, idempotent writes of one statement: a round trip each (autocommit).
        async with self._writes() as session:
            await self._mark_vacancies(session, request, candidate, TouchStatus.SENT, None)
            if candidate.email_status == EmailStatus.UNKNOWN:
                # Accepted (250): deliverable until a bounce or a complaint says not.
                await candidate_repo.mark_deliverable(session, candidate.id)
        return SendTouchResult(key, TouchStatus.SENT, POSSIBLY_TWICE if in_flight else None)

    async def _send_note(
        self,
        request: SendTouchInput,
        candidate: Candidate,
        rendered: RenderedMessage,
        article: Article | None,
    ) -> SendTouchResult:
        assert self._notes is not None and candidate.postal_address is not None
        try:
            recipient = parse_postal_address(
                candidate.full_name, candidate.postal_address, candidate.country
            )
            order = await self._notes.send_note(
                idempotency_key=request.idempotency_key, message=rendered.body, recipient=recipient
            )
        except (ValueError, NoteRejected) as err:
            return await self._record(request, candidate, TouchStatus.FAILED, reason=str(err))
        return await self._record(
            request,
            candidate,
            TouchStatus.SENT,
            message_id=f"handwrytten:{order}",
            sent_at=datetime.now(UTC),
            article=article,
        )

    def _refusal(self, candidate: Candidate, request: SendTouchInput) -> str | None:
        """Re-check the plan against today's data: an address, consent or opt-in may be gone."""
        if request.channel is None:
            return request.reason or "no channel allowed"
        if request.channel not in (Channel.EMAIL, Channel.HANDWRITTEN_NOTE) or (
            request.channel == Channel.HANDWRITTEN_NOTE and self._notes is None
        ):
            return f"{request.channel} is not delivered automatically"
        return refusal(
            facts_from_candidate(candidate),
            request.channel,
            request.occasion,
            sender=request.sender,
            policy=self._policy,
        )

    # --- assisted: a draft for a person ---------------------------------------------------
    @activity.defn(name="open_task")
    async def open_task(self, request: OpenTaskInput) -> OpenTaskResult:
        touch = request.touch
        async with self._sessions() as session:
            existing = await task_repo.get_task_by_key(session, touch.idempotency_key)
            if existing is not None and existing.status == TaskStatus.OPEN:
                return OpenTaskResult(str(existing.id), TouchStatus.AWAITING_OWNER)
            if existing is not None:
                # This draft has ended already (a retried step, a replan): how it ended.
                return OpenTaskResult(None, TaskStatus(existing.status))
            candidate = await candidate_repo.get_candidate(session, uuid.UUID(touch.candidate_id))
            article = await self._article(session, candidate, touch)
        if candidate is None:
            return OpenTaskResult(
                None, TouchStatus.SKIPPED, "candidate erased", candidate_gone=True
            )
        assert touch.channel is not None
        why_not = refusal(
            facts_from_candidate(candidate),
            touch.channel,
            touch.occasion,
            sender=touch.sender,
            policy=self._policy,
        )
        vacancies = None if why_not else await self._vacancies(candidate, touch)
        why_not = why_not or await self._pointless(candidate, touch, article, vacancies)
        if why_not is not None:
            recorded = await self._record(touch, candidate, TouchStatus.SKIPPED, reason=why_not)
            return OpenTaskResult(None, recorded.status, recorded.reason)
        try:
            rendered = await self._render(candidate, touch, touch.channel, article, vacancies)
        except InvalidTemplateError as err:
            recorded = await self._record(touch, candidate, TouchStatus.FAILED, reason=str(err))
            return OpenTaskResult(None, recorded.status, recorded.reason)

        task_id = uuid.uuid4()
        link = candidate.linkedin_url if touch.channel != Channel.HANDWRITTEN_NOTE else None
        async with self._sessions.begin() as session:
            task = task_repo.add_task(
                session,
                id=task_id,
                candidate_id=candidate.id,
                idempotency_key=touch.idempotency_key,
                owner=touch.sender or candidate.owner or "",
                occasion=touch.occasion,
                channel=touch.channel,
                sender_role=touch.sender_role,
                draft=rendered.body,
                link=link,
                due_at=request.deadline,
                status=TaskStatus.OPEN.value,
            )
            await task_repo.link_vacancies(
                session, task, [uuid.UUID(vacancy_id) for vacancy_id in vacancy_ids_of(touch)]
            )
            await touch_repo.record_touch(
                session,
                **self._touch_values(touch, candidate, TouchStatus.AWAITING_OWNER),
                task_id=task_id,
                article_id=article.id if article else None,
            )
            await self._mark_vacancies(session, touch, candidate, TouchStatus.AWAITING_OWNER, None)
        return OpenTaskResult(str(task_id), TouchStatus.AWAITING_OWNER)

    @activity.defn(name="close_task")
    async def close_task(self, request: CloseTaskInput) -> CloseTaskResult:
        """Expire or cancel a task that is still open; report how it ended either way."""
        async with self._sessions.begin() as session:
            task = await task_repo.get_task(session, uuid.UUID(request.task_id), lock=True)
            if task is None:
                return CloseTaskResult(outcome=TaskStatus.CANCELLED)
            if task.status != TaskStatus.OPEN:
                return CloseTaskResult(outcome=TaskStatus(task.status))
            task.status = request.status
            task.completed_at = datetime.now(UTC)
            await touch_repo.set_touch_outcome(
                session,
                task.id,
                status=TouchStatus.SKIPPED.value,
                reason=request.reason,
                sent_at=None,
            )
            if request.status == TaskStatus.CANCELLED:
                # Expired drafts fall back to another channel, which records its own outcome;
                # a cancelled one leaves the vacancies it named pending again (one closed:
                # the others are planned anew) or not contacted (paused, opted out).
                await vacancy_repo.draft_not_sent(
                    session,
                    task,
                    status=MatchStatus.MATCHED if request.vacancy_closed else MatchStatus.SKIPPED,
                    reason=None if request.vacancy_closed else request.reason,
                )
        return CloseTaskResult(outcome=request.status)

    @activity.defn(name="open_engaged_task")
    async def open_engaged_task(self, request: EngagedInput) -> OpenTaskResult:
        """The candidate replied with interest: ask the owner to follow up in person."""
        key = f"{request.candidate_id}:engaged:{request.interaction_id}"
        async with self._sessions() as session:
            existing = await task_repo.get_task_by_key(session, key)
            if existing is not None:
                return OpenTaskResult(str(existing.id), TaskStatus.OPEN)
            candidate = await candidate_repo.get_candidate(session, uuid.UUID(request.candidate_id))
        if candidate is None:
            return OpenTaskResult(
                None, TouchStatus.SKIPPED, "candidate erased", candidate_gone=True
            )
        owner = request.owner or candidate.owner
        if not owner:
            return OpenTaskResult(None, TouchStatus.SKIPPED, "nobody owns the relationship")
        occasion = request.occasion or Occasion.CHECK_IN.value
        channel = request.channel or Channel.EMAIL.value
        person = await self._person(owner)
        context = self._context(candidate, occasion, channel, candidate.owner_role, person)
        rendered = self._renderer.render("task", "engaged_follow_up", context)
        task_id = uuid.uuid4()
        async with self._sessions.begin() as session:
            task_repo.add_task(
                session,
                id=task_id,
                candidate_id=candidate.id,
                idempotency_key=key,
                owner=owner,
                occasion=occasion,
                channel=channel,
                sender_role=candidate.owner_role,
                kind=TaskKind.FOLLOW_UP.value,
                draft=rendered.body,
                link=candidate.linkedin_url,
                due_at=datetime.now(UTC) + ENGAGED_FOLLOW_UP_WITHIN,
                status=TaskStatus.OPEN.value,
            )
        return OpenTaskResult(str(task_id), TaskStatus.OPEN)
