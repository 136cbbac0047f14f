"""What a touch says: the values its template may use, the article, meeting, invitation or
vacancies it is about, and whether there is anything worth saying at all.

`TouchActivities` drafts with these; they read the database through the repositories and
render through `activities.templates`, and send nothing. The template a reader gets is the
file `templates/` has for them, or HR's edit of it in force (`template_edits`), read at every
render so that the next touch uses an edit at once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.dates import day_and_month, event_start, written_in
from activities.templates import (
    TEMPLATE_SUFFIX,
    InvalidTemplateError,
    RenderedMessage,
    Renderer,
    one_line,
)
from rapport import signing
from rapport.contracts.touches import SendTouchInput, vacancy_ids_of
from rapport.db.models import Article, Candidate, Person, Touch
from rapport.db.repositories import articles as article_repo
from rapport.db.repositories import interactions as interaction_repo
from rapport.db.repositories import invitations as invitation_repo
from rapport.db.repositories import people as people_repo
from rapport.db.repositories import template_edits as template_repo
from rapport.db.repositories import vacancies as vacancy_repo
from rapport.matching import match
from rapport.outreach.timing import zone
from rapport.profiles import candidate_profile, vacancy_profile
from rapport.vocabulary import Channel, Occasion, VacancyStatus


def first_name(person: Person) -> str:
    """The directory's first name, else the first word of the name the directory gives."""
    return person.first_name or person.name.split()[0]


def sender_values(person: Person | None) -> dict[str, str | None]:
    """Who speaks, as the directory names them. Someone not in it is never given a name made
    from their address: the values are None and the templates say "we", "the hiring manager"
    and sign off with the company's team."""
    return {
        "sender_name": person.name if person else None,
        "sender_first_name": first_name(person) if person else None,
        "sender_title": person.title if person else None,
        "signature": person.signature if person else None,
    }


@dataclass(frozen=True)
class Draft(RenderedMessage):
    """A rendered message and the directory's name of whoever it comes from (for From)."""

    sender_name: str | None = None


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


def message_values(
    candidate: Candidate,
    occasion: str,
    channel: str,
    sender_role: str,
    sender: Person | None,
    settings: MessageSettings,
) -> dict[str, Any]:
    """The values every template may use; nothing else from the profile reaches a template
    (the occasion adds its own: an article, a meeting, vacancies, an invitation, years)."""
    return {
        "first_name": candidate.full_name.split()[0],
        "full_name": candidate.full_name,
        "current_employer": candidate.current_employer,
        "current_title": candidate.current_title,
        "company": settings.company,
        **sender_values(sender),
        "sender_role": sender_role,
        "occasion": occasion,
        "channel": channel,
        "careers_url": settings.careers_url,
    }


def unsubscribe_url(settings: MessageSettings, candidate_id: uuid.UUID) -> str:
    token = signing.sign(settings.secret_key, str(candidate_id), Channel.EMAIL.value)
    return f"{settings.base_url}/unsubscribe/{token}"


def introduce(vacancies: list[VacancyView], sender: str | None) -> str | None:
    """The hiring manager to offer an introduction to: one person for every role named, and
    not the sender themself (who would be offering to introduce themself)."""
    managers = {(vacancy.hiring_manager or "").strip().lower() for vacancy in vacancies}
    if len(managers) != 1 or "" in managers or (sender or "").strip().lower() in managers:
        return None
    return managers.pop()


class Drafting:
    """The drafting half of the touch activities: what to say, never whether to send it."""

    _sessions: async_sessionmaker[AsyncSession]
    _reads: async_sessionmaker[AsyncSession]  # autocommit: for reads only
    _renderer: Renderer
    _settings: MessageSettings

    async def _pointless(
        self,
        candidate: Candidate,
        request: SendTouchInput,
        article: Article | None,
        vacancies: list[VacancyView] | None,
    ) -> str | None:
        """A touch with nothing worth saying: no article left, every vacancy closed, or the
        event it invites to has begun. `vacancies`: those of a vacancy's touch still open
        (`_vacancies`), read once for this check and the message alike."""
        if request.occasion == Occasion.CHECK_IN and article is None:
            return "no fitting article left to share"
        if request.occasion == Occasion.INVITATION and request.ref_id:
            async with self._reads() as session:
                invitation = await invitation_repo.get_invitation(
                    session, uuid.UUID(request.ref_id)
                )
            if invitation and invitation.starts_at and invitation.starts_at <= datetime.now(UTC):
                return "the event has already begun"
        if request.occasion == Occasion.VACANCY and not vacancies:
            return "the vacancy has closed"
        return None

    async def _vacancies(
        self, candidate: Candidate, request: SendTouchInput
    ) -> list[VacancyView] | None:
        """The vacancies of a vacancy's touch that are still open, as its message shows them;
        None for any other occasion."""
        if request.occasion != Occasion.VACANCY:
            return None
        ids = [uuid.UUID(vacancy_id) for vacancy_id in vacancy_ids_of(request)]
        async with self._reads() as session:
            found = await vacancy_repo.matches_for(session, candidate.id, ids)
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
            if vacancy.status == VacancyStatus.OPEN
        ]

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
            return await article_repo.get_article(session, reuse.article_id)
        return await article_repo.pick_article(session, candidate)

    async def _person(self, email: str | None) -> Person | None:
        """Their directory entry, if they have one."""
        if not email:
            return None
        async with self._reads() as session:
            return await people_repo.get_person(session, email)

    def _context(
        self,
        candidate: Candidate,
        occasion: str,
        channel: str,
        sender_role: str,
        sender: Person | None,
    ) -> dict[str, Any]:
        return message_values(candidate, occasion, channel, sender_role, sender, self._settings)

    async def _render(
        self,
        candidate: Candidate,
        request: SendTouchInput,
        channel: str,
        article: Article | None,
        vacancies: list[VacancyView] | None,
    ) -> Draft:
        # The hiring manager a vacancy's message offers to introduce, looked up in the
        # directory with the sender: one read for both.
        manager = introduce(vacancies, request.sender) if vacancies is not None else None
        async with self._reads() as session:
            found = await people_repo.people_by_email(session, [request.sender, manager])
        sender = found.get(people_repo.key(request.sender)) if request.sender else None
        context = self._context(candidate, request.occasion, channel, request.sender_role, sender)
        # Dates are written in the language of the template the reader gets.
        words = self._renderer.language_of(
            channel, request.occasion, request.sender_role, candidate.language
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
            context.update(await self._meeting(request, words))
        if request.occasion == Occasion.INVITATION:
            context["invitation"] = await self._invitation(request, candidate, words)
        if vacancies is not None:
            context["vacancies"] = vacancies
            known = found.get(manager) if manager else None
            # "introduce you to Ana Ruiz, who is hiring" only with the directory's name;
            # without one, "to the hiring manager".
            context["introduce_hiring_manager"] = manager is not None
            context["hiring_manager_name"] = known.name if known else None
        name = self._renderer.pick(
            channel, request.occasion, request.sender_role, candidate.language
        )
        rendered = self._renderer.render_named(name, context, await self._edited(name))
        return Draft(rendered.subject, rendered.body, sender.name if sender else None)

    async def _edited(self, name: str) -> str | None:
        """HR's edit of the template in force, read at every render (one indexed row), so the
        next touch uses an edit without a deploy or a restart; None: the file itself."""
        async with self._reads() as session:
            edit = await template_repo.active(session, name.removesuffix(TEMPLATE_SUFFIX))
        return edit.body if edit is not None else None

    async def _meeting(self, request: SendTouchInput, words: str | None) -> dict[str, str]:
        async with self._reads() as session:
            met = (
                await interaction_repo.get_interaction(session, uuid.UUID(request.ref_id))
                if request.ref_id
                else None
            )
        if met is None or met.happened_on is None:
            raise InvalidTemplateError("the meeting this thank-you answers is gone")
        unnamed = "unserem Treffen" if written_in(words) == "de" else "our meeting"
        return {
            "event_name": met.event or unnamed,
            "met_on": day_and_month(met.happened_on, words),
        }

    async def _invitation(
        self, request: SendTouchInput, candidate: Candidate, words: str | None
    ) -> InvitationView:
        async with self._reads() as session:
            invitation = (
                await invitation_repo.get_invitation(session, uuid.UUID(request.ref_id))
                if request.ref_id
                else None
            )
        if invitation is None:
            raise InvalidTemplateError("the invitation is gone")
        starts = (
            event_start(invitation.starts_at.astimezone(zone(candidate.timezone)), words)
            if invitation.starts_at
            else None
        )
        # A title is shown on one line (subjects are built from it), however it was stored.
        title = one_line(invitation.title) if invitation.title else None
        return InvitationView(invitation.kind, title, invitation.url, starts, invitation.message)
