"""Touch activities: deliver (email, a provider's handwritten note), or hand a draft to a person.

Each touch has an idempotency key. Delivery checks the key before sending and records it after,
with a unique constraint in between, so a retried activity never sends twice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.errors import MessageError
from email.message import EmailMessage
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from temporalio import activity

from activities.handwritten import (
    HandwrittenNotes,
    NoteRejected,
    parse_postal_address,
)
from activities.mail import Mailer, PermanentDeliveryError, TemporaryDeliveryError
from activities.templates import InvalidTemplateError, RenderedMessage, Renderer, one_line
from rapport import signing
from rapport.db import repository
from rapport.db.models import Article, Candidate, Task, Touch
from rapport.facts import facts_from_candidate
from rapport.matching import match
from rapport.names import name_from_email
from rapport.profiles import candidate_profile, vacancy_profile
from rapport.vocabulary import Channel, Occasion, TaskStatus, TouchStatus
from workflows.models import (
    CloseTaskInput,
    CloseTaskResult,
    EngagedInput,
    OpenTaskInput,
    OpenTaskResult,
    SchedulePolicy,
    SendTouchInput,
    SendTouchResult,
)
from workflows.planning import zone
from workflows.policy import refusal

# An interested reply is a warm lead: the owner should answer within two days.
ENGAGED_FOLLOW_UP_WITHIN = timedelta(days=2)
# The reason on a touch sent again after an attempt was lost in its SMTP exchange.
POSSIBLY_TWICE = (
    "possibly delivered twice: an earlier attempt was lost during its SMTP exchange and "
    "this one sent it again, with the same Message-ID"
)


@dataclass(frozen=True)
class Outgoing:
    """An email composed for a touch, about to go out."""

    request: SendTouchInput
    candidate: Candidate
    message: EmailMessage
    subject: str
    article: Article | None
    # An earlier attempt was lost in its SMTP exchange: this one may deliver it twice.
    in_flight: bool


class TouchTaken(Exception):
    """Another attempt claimed or finished this touch first: this one must not send."""


def sender_name(sender: str | None, company: str) -> str:
    """`jane.doe@acme.example` → `Jane Doe`; nobody → the company's team."""
    return name_from_email(sender, fallback=f"The {company} team")


@dataclass(frozen=True)
class MessageSettings:
    company: str
    base_url: str
    secret_key: str
    careers_url: str | None = None


@dataclass(frozen=True)
class ArticleView:
    title: str
    url: str
    summary: str | None


@dataclass(frozen=True)
class InvitationView:
    kind: str
    title: str | None
    url: str | None
    starts_at: str | None
    message: str | None


@dataclass(frozen=True)
class VacancyView:
    title: str
    url: str | None
    reasons: list[str]
    # The personal line the hiring manager or owner gave the vacancy, if any.
    note: str | None = None
    hiring_manager: str | None = None


def unsubscribe_url(settings: MessageSettings, candidate_id: uuid.UUID) -> str:
    token = signing.sign(settings.secret_key, str(candidate_id), Channel.EMAIL.value)
    return f"{settings.base_url}/unsubscribe/{token}"


class TouchActivities:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        mailer: Mailer,
        renderer: Renderer,
        settings: MessageSettings,
        notes: HandwrittenNotes | None = None,
    ) -> None:
        self._sessions = session_factory
        self._mailer = mailer
        self._renderer = renderer
        self._settings = settings
        self._notes = notes
        self._policy = SchedulePolicy(note_provider=notes is not None)

    # --- automated delivery -------------------------------------------------------------
    @activity.defn(name="send_touch")
    async def send_touch(self, request: SendTouchInput) -> SendTouchResult:
        key = request.idempotency_key
        async with self._sessions() as session:
            done = await repository.get_touch_by_key(session, key)
            # Left `sending` by an attempt lost in its SMTP exchange: it may have gone out.
            in_flight = done is not None and done.phase == repository.SENDING
            candidate = await repository.get_candidate(session, uuid.UUID(request.candidate_id))
            finished = done is not None and not in_flight
            article = None if finished else await self._article(session, candidate, request, done)
        if done is not None and finished:
            if candidate is not None and done.status == TouchStatus.SENT:
                # An email is recorded the moment it is accepted and its vacancies marked
                # after: a worker lost in between leaves the marks to this retry (idempotent).
                async with self._sessions.begin() as session:
                    await self._mark_vacancies(session, request, candidate, TouchStatus.SENT, None)
            return SendTouchResult(key, done.status, done.reason, already_done=True)
        if candidate is None:
            return SendTouchResult(
                key, TouchStatus.SKIPPED, "candidate erased", candidate_gone=True
            )

        why_not = self._refusal(candidate, request) or await self._pointless(
            candidate, request, article
        )
        if why_not is not None:
            if in_flight:
                why_not += "; an earlier attempt may have sent it"
            return await self._record(request, candidate, TouchStatus.SKIPPED, reason=why_not)

        # Nothing below the SMTP exchange is worth retrying when it fails: the same stored data
        # (a title, an address) fails the same way for the 12 hours of retries, holding every
        # later touch of the candidate. Such a touch is `failed`, with the reason, at once.
        try:
            rendered = await self._render(candidate, request, request.channel or "", article)
        except (InvalidTemplateError, ValueError) as err:
            return await self._record(request, candidate, TouchStatus.FAILED, reason=str(err))
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
            )
        except (ValueError, TypeError, MessageError) as err:
            return await self._record(
                request, candidate, TouchStatus.FAILED, reason=f"cannot compose the email: {err}"
            )
        return await self._deliver(
            Outgoing(request, candidate, message, rendered.subject, article, in_flight)
        )

    async def _deliver(self, out: Outgoing) -> SendTouchResult:
        """The SMTP exchange, the only window in which a lost worker can double a message: the
        touch is claimed (`sending`, with its Message-ID) right before DATA and recorded `sent`
        the moment the server accepts it, before QUIT; the vacancies it names are marked after.
        A retry finding it recorded never sends; one finding it still `sending` sends again,
        since not sending risks losing it, and flags the touch as possibly delivered twice (the
        same Message-ID, which lets mail systems fold the two)."""
        request, candidate, key = out.request, out.candidate, out.request.idempotency_key
        try:
            await self._exchange(out)
        except TouchTaken:
            async with self._sessions() as session:
                taken = await repository.get_touch_by_key(session, key)
            assert taken is not None
            return SendTouchResult(key, taken.status, taken.reason, already_done=True)
        except PermanentDeliveryError as err:
            return await self._record(
                request, candidate, TouchStatus.FAILED, reason=str(err), subject=out.subject
            )
        # Any other failure after the claim leaves it `sending`: the message may be out.
        async with self._sessions.begin() as session:
            await self._mark_vacancies(session, request, candidate, TouchStatus.SENT, None)
        return SendTouchResult(key, TouchStatus.SENT, POSSIBLY_TWICE if out.in_flight else None)

    async def _exchange(self, out: Outgoing) -> None:
        request, candidate, key = out.request, out.candidate, out.request.idempotency_key
        written = {
            "subject": out.subject,
            "message_id": str(out.message["Message-ID"]),
            "article_id": out.article.id if out.article else None,
        }
        claimed = False
        # One connection held from the claim to the record (and only one, so a full pool cannot
        # deadlock), in autocommit: once the server has the message, recording it waits for no
        # pool checkout or liveness ping, and is one round trip (each statement is atomic).
        engine: AsyncEngine = self._sessions.kw["bind"]
        async with engine.connect() as held:
            connection = await held.execution_options(isolation_level="AUTOCOMMIT")
            session = AsyncSession(bind=connection)

            async def claim() -> None:
                nonlocal claimed
                if out.in_flight:
                    claimed = await repository.reclaim_touch(session, key, POSSIBLY_TWICE)
                else:
                    values = self._touch_values(request, candidate, TouchStatus.SCHEDULED)
                    claimed = await repository.claim_touch(session, **values, **written)
                await session.commit()
                if not claimed:
                    raise TouchTaken(key)  # called off before DATA: another attempt has it

            async def delivered() -> None:
                values = self._touch_values(request, candidate, TouchStatus.SENT)
                await repository.record_touch(
                    session, **values, **written, sent_at=datetime.now(UTC)
                )
                await session.commit()

            try:
                await self._mailer.send(out.message, before_data=claim, after_data=delivered)
            except TemporaryDeliveryError:
                if claimed:  # refused for now, so certainly not delivered: as if never claimed
                    await repository.release_touch(session, key)
                    await session.commit()
                raise
            finally:
                await session.close()

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
            existing = await repository.get_task_by_key(session, touch.idempotency_key)
            if existing is not None and existing.status == TaskStatus.OPEN:
                return OpenTaskResult(str(existing.id), TouchStatus.AWAITING_OWNER)
            if existing is not None:
                # This draft has ended already (a retried step, a replan): how it ended.
                return OpenTaskResult(None, existing.status)
            candidate = await repository.get_candidate(session, uuid.UUID(touch.candidate_id))
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
        why_not = why_not or await self._pointless(candidate, touch, article)
        if why_not is not None:
            recorded = await self._record(touch, candidate, TouchStatus.SKIPPED, reason=why_not)
            return OpenTaskResult(None, recorded.status, recorded.reason)
        try:
            rendered = await self._render(candidate, touch, touch.channel, article)
        except InvalidTemplateError as err:
            recorded = await self._record(touch, candidate, TouchStatus.FAILED, reason=str(err))
            return OpenTaskResult(None, recorded.status, recorded.reason)

        task_id = uuid.uuid4()
        link = candidate.linkedin_url if touch.channel != Channel.HANDWRITTEN_NOTE else None
        async with self._sessions.begin() as session:
            session.add(
                Task(
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
            )
            await repository.record_touch(
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
            task = await repository.get_task(session, uuid.UUID(request.task_id), lock=True)
            if task is None:
                return CloseTaskResult(outcome=TaskStatus.CANCELLED.value)
            if task.status != TaskStatus.OPEN:
                return CloseTaskResult(outcome=task.status)
            task.status = request.status
            task.completed_at = datetime.now(UTC)
            await repository.set_touch_outcome(
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
                await repository.draft_not_sent(
                    session,
                    task,
                    status="matched" if request.vacancy_closed else "skipped",
                    reason=None if request.vacancy_closed else request.reason,
                )
        return CloseTaskResult(outcome=request.status)

    @activity.defn(name="open_engaged_task")
    async def open_engaged_task(self, request: EngagedInput) -> OpenTaskResult:
        """The candidate replied with interest: ask the owner to follow up in person."""
        key = f"{request.candidate_id}:engaged:{request.interaction_id}"
        async with self._sessions() as session:
            existing = await repository.get_task_by_key(session, key)
            if existing is not None:
                return OpenTaskResult(str(existing.id), TaskStatus.OPEN)
            candidate = await repository.get_candidate(session, uuid.UUID(request.candidate_id))
        if candidate is None:
            return OpenTaskResult(
                None, TouchStatus.SKIPPED, "candidate erased", candidate_gone=True
            )
        owner = request.owner or candidate.owner
        if not owner:
            return OpenTaskResult(None, TouchStatus.SKIPPED, "nobody owns the relationship")
        occasion = request.occasion or Occasion.CHECK_IN.value
        channel = request.channel or Channel.EMAIL.value
        context = self._context(candidate, occasion, channel, candidate.owner_role, owner)
        rendered = self._renderer.render("task", "engaged_follow_up", context)
        task_id = uuid.uuid4()
        async with self._sessions.begin() as session:
            session.add(
                Task(
                    id=task_id,
                    candidate_id=candidate.id,
                    idempotency_key=key,
                    owner=owner,
                    occasion=occasion,
                    channel=channel,
                    sender_role=candidate.owner_role,
                    draft=rendered.body,
                    link=candidate.linkedin_url,
                    due_at=datetime.now(UTC) + ENGAGED_FOLLOW_UP_WITHIN,
                    status=TaskStatus.OPEN.value,
                )
            )
        return OpenTaskResult(str(task_id), TaskStatus.OPEN)

    # --- shared -------------------------------------------------------------------------
    async def _pointless(
        self, candidate: Candidate, request: SendTouchInput, article: Article | None
    ) -> str | None:
        """A touch with nothing worth saying: no article left, every vacancy closed, or the
        event it invites to has begun."""
        if request.occasion == Occasion.CHECK_IN and article is None:
            return "no fitting article left to share"
        if request.occasion == Occasion.INVITATION and request.ref_id:
            async with self._sessions() as session:
                invitation = await repository.get_invitation(session, uuid.UUID(request.ref_id))
            if invitation and invitation.starts_at and invitation.starts_at <= datetime.now(UTC):
                return "the event has already begun"
        if request.occasion == Occasion.VACANCY and not await self._open_vacancies(
            candidate, request
        ):
            return "the vacancy has closed"
        return None

    async def _open_vacancies(
        self, candidate: Candidate, request: SendTouchInput
    ) -> list[VacancyView]:
        ids = [uuid.UUID(part) for part in (request.ref_id or "").split(",") if part]
        async with self._sessions() as session:
            found = await repository.matches_for(session, candidate.id, ids)
        # What suits them, in words for them (the stored reasons are the recruiter's).
        profile = candidate_profile(candidate)
        return [
            VacancyView(
                one_line(vacancy.title),
                vacancy.url,
                list(match(profile, vacancy_profile(vacancy)).highlights),
                note=vacancy.owner_message,
                hiring_manager=vacancy.hiring_manager,
            )
            for vacancy, _ in found
            if vacancy.status == "open"
        ]

    async def _mark_vacancies(
        self, session: AsyncSession, request: SendTouchInput, candidate: Candidate, status: str,
        reason: str | None,
    ) -> None:  # fmt: skip
        """Keep each vacancy's view of this candidate current: notified, or skipped and why."""
        if request.occasion != Occasion.VACANCY or not request.ref_id:
            return
        ids = [uuid.UUID(part) for part in request.ref_id.split(",") if part]
        notified = status in (TouchStatus.SENT, TouchStatus.AWAITING_OWNER)
        await repository.set_match_status(
            session,
            ids,
            [candidate.id],
            status="notified" if notified else "skipped",
            reason=None if notified else reason,
            # A vacancy that closed meanwhile stays cancelled, and a reply stays a reply.
            only_from=["matched", "notified"],
        )

    async def _article(
        self,
        session: AsyncSession,
        candidate: Candidate | None,
        request: SendTouchInput,
        reuse: Touch | None = None,
    ) -> Article | None:
        if candidate is None or request.occasion != Occasion.CHECK_IN:
            return None
        if reuse is not None and reuse.article_id is not None:
            # The article the lost attempt was sending (its claim counts it as shared already).
            return await session.get(Article, reuse.article_id)
        return await repository.pick_article(session, candidate)

    def _context(
        self,
        candidate: Candidate,
        occasion: str,
        channel: str,
        sender_role: str,
        sender: str | None,
    ) -> dict[str, Any]:
        """The values a template may use; nothing else from the profile reaches a template."""
        name = sender_name(sender, self._settings.company)
        return {
            "first_name": candidate.full_name.split()[0],
            "full_name": candidate.full_name,
            "current_employer": candidate.current_employer,
            "current_title": candidate.current_title,
            "company": self._settings.company,
            "sender_name": name,
            "sender_first_name": name.split()[0] if sender else name,
            "sender_role": sender_role,
            "occasion": occasion,
            "channel": channel,
            "careers_url": self._settings.careers_url,
        }

    async def _render(
        self,
        candidate: Candidate,
        request: SendTouchInput,
        channel: str,
        article: Article | None,
    ) -> RenderedMessage:
        context = self._context(
            candidate, request.occasion, channel, request.sender_role, request.sender
        )
        if channel == Channel.EMAIL:
            context["unsubscribe_url"] = unsubscribe_url(self._settings, candidate.id)
        if request.occasion == Occasion.WORK_ANNIVERSARY and candidate.job_started_on:
            context["years"] = date.fromisoformat(request.local_date).year - (
                candidate.job_started_on.year
            )
        if article is not None:
            context["article"] = ArticleView(article.title, article.url, article.summary)
        if request.occasion == Occasion.EVENT_FOLLOW_UP:
            context.update(await self._meeting(request))
        if request.occasion == Occasion.INVITATION:
            context["invitation"] = await self._invitation(request, candidate)
        if request.occasion == Occasion.VACANCY:
            vacancies = await self._open_vacancies(candidate, request)
            context["vacancies"] = vacancies
            context["hiring_manager_name"] = self._introduce(vacancies, request.sender)
        return self._renderer.render(
            channel, request.occasion, context, sender_role=request.sender_role
        )

    def _introduce(self, vacancies: list[VacancyView], sender: str | None) -> str | None:
        """The hiring manager to offer an introduction to: one person for every role named,
        and not the sender themself (who would be offering to introduce themself)."""
        managers = {(vacancy.hiring_manager or "").lower() for vacancy in vacancies}
        if len(managers) != 1 or "" in managers or (sender or "").lower() in managers:
            return None
        return sender_name(managers.pop(), self._settings.company)

    async def _meeting(self, request: SendTouchInput) -> dict[str, str]:
        async with self._sessions() as session:
            met = (
                await repository.get_interaction(session, uuid.UUID(request.ref_id))
                if request.ref_id
                else None
            )
        if met is None or met.happened_on is None:
            raise InvalidTemplateError("the meeting this thank-you answers is gone")
        return {"event_name": met.event or "our meeting", "met_on": f"{met.happened_on:%-d %B}"}

    async def _invitation(self, request: SendTouchInput, candidate: Candidate) -> InvitationView:
        async with self._sessions() as session:
            invitation = (
                await repository.get_invitation(session, uuid.UUID(request.ref_id))
                if request.ref_id
                else None
            )
        if invitation is None:
            raise InvalidTemplateError("the invitation is gone")
        starts = (
            invitation.starts_at.astimezone(zone(candidate.timezone)).strftime("%A %-d %B at %H:%M")
            if invitation.starts_at
            else None
        )
        # A title is shown on one line (subjects are built from it), however it was stored.
        title = one_line(invitation.title) if invitation.title else None
        return InvitationView(invitation.kind, title, invitation.url, starts, invitation.message)

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
            inserted = await repository.record_touch(
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
        return SendTouchResult(
            request.idempotency_key, status.value, reason, already_done=not inserted
        )
