"""Every query of Rapport, as functions over an `AsyncSession`; callers own the transaction."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from rapport.db.models import (
    Article,
    Campaign,
    Candidate,
    Digest,
    Erasure,
    Interaction,
    Invitation,
    Task,
    Touch,
    Vacancy,
    VacancyMatch,
)


async def get_candidate(session: AsyncSession, candidate_id: uuid.UUID) -> Candidate | None:
    return await session.get(Candidate, candidate_id)


async def get_candidate_by_external_id(session: AsyncSession, external_id: str) -> Candidate | None:
    result = await session.execute(select(Candidate).where(Candidate.external_id == external_id))
    return result.scalar_one_or_none()


def add_candidate(session: AsyncSession, **values: Any) -> Candidate:
    candidate = Candidate(**values)
    session.add(candidate)
    return candidate


@dataclass(frozen=True)
class CandidateFilter:
    stage: str | None = None
    owner: str | None = None
    text: str | None = None


@dataclass(frozen=True)
class Page:
    items: Sequence[Candidate]
    next_cursor: str | None


def _filtered(query: Select[Any], where: CandidateFilter) -> Select[Any]:
    if where.stage:
        query = query.where(Candidate.stage == where.stage)
    if where.owner:
        query = query.where(func.lower(Candidate.owner) == where.owner.lower())
    if where.text:
        pattern = f"%{escape_like(where.text)}%"
        query = query.where(
            or_(
                Candidate.full_name.ilike(pattern, escape="\\"),
                Candidate.current_title.ilike(pattern, escape="\\"),
                Candidate.current_employer.ilike(pattern, escape="\\"),
                Candidate.external_id.ilike(pattern, escape="\\"),
            )
        )
    return query


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def list_candidates(
    session: AsyncSession, where: CandidateFilter, *, limit: int, after: uuid.UUID | None
) -> Page:
    """Keyset pagination on (created_at, id): stable while candidates are being added."""
    query = _filtered(select(Candidate), where)
    if after is not None:
        anchor = await session.get(Candidate, after)
        if anchor is not None:
            query = query.where(
                or_(
                    Candidate.created_at > anchor.created_at,
                    (Candidate.created_at == anchor.created_at) & (Candidate.id > anchor.id),
                )
            )
    query = query.order_by(Candidate.created_at, Candidate.id).limit(limit + 1)
    rows: Sequence[Candidate] = (await session.execute(query)).scalars().all()
    more = len(rows) > limit
    items = rows[:limit]
    return Page(items=items, next_cursor=str(items[-1].id) if more and items else None)


async def get_touch_by_key(session: AsyncSession, idempotency_key: str) -> Touch | None:
    result = await session.execute(select(Touch).where(Touch.idempotency_key == idempotency_key))
    return result.scalar_one_or_none()


# A touch's internal phase while its email is between "about to send DATA" and the answer.
SENDING = "sending"


async def record_touch(session: AsyncSession, **values: Any) -> bool:
    """Record a touch's outcome unless one with its idempotency key exists; True if this call
    wrote it. A row left in flight (`sending`) by a lost attempt is finished instead, keeping
    the reason the claim gave it when the outcome has none (a possible double delivery)."""
    row = insert(Touch).values(id=uuid.uuid4(), **values)
    settable = {name: row.excluded[name] for name in values if name != "idempotency_key"}
    statement = row.on_conflict_do_update(
        index_elements=[Touch.idempotency_key],
        set_={
            **settable,
            "reason": func.coalesce(row.excluded.reason, Touch.reason),
            "phase": None,
            "updated_at": func.now(),
        },
        where=Touch.phase == SENDING,
    ).returning(Touch.id)
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def claim_touch(session: AsyncSession, **values: Any) -> bool:
    """Mark a touch as being sent, just before the SMTP DATA; True if this attempt may send.

    Inserted with phase `sending` (its status `scheduled` until the answer); False when the
    key is already taken, by an outcome or by another attempt's claim."""
    statement = (
        insert(Touch)
        .values(id=uuid.uuid4(), phase=SENDING, **values)
        .on_conflict_do_nothing(index_elements=[Touch.idempotency_key])
        .returning(Touch.id)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def reclaim_touch(session: AsyncSession, idempotency_key: str, reason: str) -> bool:
    """Send again a touch an earlier attempt left in flight, flagged as possibly delivered twice;
    True if it was still in flight (not finished meanwhile by that attempt after all)."""
    statement = (
        update(Touch)
        .where(Touch.idempotency_key == idempotency_key, Touch.phase == SENDING)
        .values(possibly_duplicate=True, reason=reason, updated_at=func.now())
        .returning(Touch.id)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def release_touch(session: AsyncSession, idempotency_key: str) -> None:
    """Forget a claim whose message certainly did not go out (nothing sent before it)."""
    await session.execute(
        delete(Touch).where(
            Touch.idempotency_key == idempotency_key,
            Touch.phase == SENDING,
            Touch.possibly_duplicate.is_(False),
        )
    )


async def list_touches(session: AsyncSession, candidate_id: uuid.UUID) -> Sequence[Touch]:
    result = await session.execute(
        select(Touch)
        .where(Touch.candidate_id == candidate_id)
        .order_by(Touch.due_at.desc(), Touch.created_at.desc())
    )
    return result.scalars().all()


async def last_touch_at(session: AsyncSession, candidate_id: uuid.UUID) -> datetime | None:
    result = await session.execute(
        select(func.max(Touch.sent_at)).where(Touch.candidate_id == candidate_id)
    )
    return result.scalar_one_or_none()


# --- articles --------------------------------------------------------------------------------
async def add_article(session: AsyncSession, **values: Any) -> Article:
    article = Article(id=uuid.uuid4(), **values)
    session.add(article)
    await session.flush()
    return article


async def get_article_by_url(session: AsyncSession, url: str) -> Article | None:
    result = await session.execute(select(Article).where(Article.url == url))
    return result.scalar_one_or_none()


async def list_articles(session: AsyncSession, *, tag: str | None, limit: int) -> Sequence[Article]:
    query = select(Article).order_by(Article.created_at.desc(), Article.id).limit(limit)
    if tag:
        query = query.where(Article.tags.contains([tag.lower()]))
    return (await session.execute(query)).scalars().all()


async def pick_article(session: AsyncSession, candidate: Candidate) -> Article | None:
    """The newest article tagged with one of the candidate's skills or interests that they
    have not been sent (or offered in a draft) before."""
    topics = sorted({topic.lower() for topic in [*candidate.skills, *candidate.interests]})
    if not topics:
        return None
    already = select(Touch.article_id).where(
        Touch.candidate_id == candidate.id, Touch.article_id.is_not(None)
    )
    query = (
        select(Article)
        .where(Article.tags.overlap(topics), Article.id.not_in(already))
        .order_by(Article.created_at.desc(), Article.id)
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


# --- tasks -----------------------------------------------------------------------------------
async def get_task(session: AsyncSession, task_id: uuid.UUID, *, lock: bool = False) -> Task | None:
    query = select(Task).where(Task.id == task_id)
    if lock:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def get_task_by_key(session: AsyncSession, idempotency_key: str) -> Task | None:
    result = await session.execute(select(Task).where(Task.idempotency_key == idempotency_key))
    return result.scalar_one_or_none()


async def list_tasks(
    session: AsyncSession, *, owner: str | None, status: str | None, limit: int
) -> Sequence[Task]:
    query = select(Task).order_by(Task.due_at, Task.id).limit(limit)
    if owner:
        query = query.where(func.lower(Task.owner) == owner.lower())
    if status:
        query = query.where(Task.status == status)
    return (await session.execute(query)).scalars().all()


async def set_touch_outcome(
    session: AsyncSession,
    task_id: uuid.UUID,
    *,
    status: str,
    reason: str | None,
    sent_at: datetime | None,
) -> None:
    touch = (
        await session.execute(select(Touch).where(Touch.task_id == task_id))
    ).scalar_one_or_none()
    if touch is not None:
        touch.status = status
        touch.reason = reason
        touch.sent_at = sent_at


# --- interactions and invitations --------------------------------------------------------------
async def add_interaction(session: AsyncSession, **values: Any) -> Interaction:
    interaction = Interaction(id=uuid.uuid4(), **values)
    session.add(interaction)
    await session.flush()
    return interaction


async def get_interaction(session: AsyncSession, interaction_id: uuid.UUID) -> Interaction | None:
    return await session.get(Interaction, interaction_id)


async def add_invitation(session: AsyncSession, **values: Any) -> Invitation:
    invitation = Invitation(id=uuid.uuid4(), **values)
    session.add(invitation)
    await session.flush()
    return invitation


async def get_invitation(session: AsyncSession, invitation_id: uuid.UUID) -> Invitation | None:
    return await session.get(Invitation, invitation_id)


# --- erasure ---------------------------------------------------------------------------------
async def erase_candidate(session: AsyncSession, candidate: Candidate) -> Erasure:
    """Delete the candidate and everything about them; keep one anonymous row saying so."""
    touches = (
        await session.execute(select(func.count()).where(Touch.candidate_id == candidate.id))
    ).scalar_one()
    erasure = Erasure(
        id=uuid.uuid4(),
        candidate_id=candidate.id,
        touches=min(int(touches), 32767),
        enrolled_at=candidate.created_at,
    )
    session.add(erasure)
    await session.delete(candidate)
    await session.flush()
    return erasure


async def get_erasure(session: AsyncSession, candidate_id: uuid.UUID) -> Erasure | None:
    result = await session.execute(select(Erasure).where(Erasure.candidate_id == candidate_id))
    return result.scalar_one_or_none()


# --- vacancies, matches, campaigns -----------------------------------------------------------
REACHABLE_STAGES = ("nurturing", "engaged", "paused")


async def candidates_page(
    session: AsyncSession, *, after: uuid.UUID | None, limit: int
) -> Sequence[Candidate]:
    """Candidates who may be matched at all, in id order: never opted out, erased, hired,
    archived, or not interested (greetings only)."""
    query = (
        select(Candidate)
        .where(Candidate.stage.in_(REACHABLE_STAGES), Candidate.greetings_only.is_(False))
        .order_by(Candidate.id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(Candidate.id > after)
    return (await session.execute(query)).scalars().all()


async def get_vacancy(session: AsyncSession, vacancy_id: uuid.UUID) -> Vacancy | None:
    return await session.get(Vacancy, vacancy_id)


async def get_vacancy_by_external_id(session: AsyncSession, external_id: str) -> Vacancy | None:
    result = await session.execute(select(Vacancy).where(Vacancy.external_id == external_id))
    return result.scalar_one_or_none()


async def save_matches(
    session: AsyncSession, vacancy_id: uuid.UUID, rows: list[dict[str, Any]]
) -> None:
    """Insert matches; one already there (a retried page) is left as it is."""
    if not rows:
        return
    statement = (
        insert(VacancyMatch)
        .values([{"id": uuid.uuid4(), "vacancy_id": vacancy_id, **row} for row in rows])
        .on_conflict_do_nothing(index_elements=[VacancyMatch.vacancy_id, VacancyMatch.candidate_id])
    )
    await session.execute(statement)


async def set_match_status(
    session: AsyncSession,
    vacancy_ids: Sequence[uuid.UUID],
    candidate_ids: Sequence[uuid.UUID],
    *,
    status: str,
    reason: str | None,
    only_from: Sequence[str] | None = None,
) -> list[uuid.UUID]:
    """Move matches to `status`; returns the candidates whose match moved."""
    statement = (
        update(VacancyMatch)
        .where(
            VacancyMatch.vacancy_id.in_(vacancy_ids), VacancyMatch.candidate_id.in_(candidate_ids)
        )
        .values(status=status, reason=reason)
        .returning(VacancyMatch.candidate_id)
    )
    if only_from is not None:
        statement = statement.where(VacancyMatch.status.in_(only_from))
    return list((await session.execute(statement)).scalars().all())


def vacancies_in_key(idempotency_key: str) -> list[uuid.UUID]:
    """The vacancies a vacancy touch or task names: `<candidate>:vacancy:<id>,<id>[:<channel>]`."""
    parts = idempotency_key.split(":")
    if len(parts) < 3 or parts[1] != "vacancy":
        return []
    return [uuid.UUID(part) for part in parts[2].split(",") if part]


async def draft_not_sent(
    session: AsyncSession, task: Task, *, status: str, reason: str | None
) -> None:
    """A vacancy draft ended without going out: the matches it counted as notified become
    `status` (skipped, or matched again to be planned anew)."""
    await set_match_status(
        session,
        vacancies_in_key(task.idempotency_key),
        [task.candidate_id],
        status=status,
        reason=reason,
        only_from=["notified"],
    )


CLOSED_BEFORE_SENT = "the vacancy closed before the message went out"


async def pending_matches(
    session: AsyncSession,
    vacancy_id: uuid.UUID,
    *,
    after: uuid.UUID | None = None,
    limit: int | None = None,
) -> list[uuid.UUID]:
    """Candidates a closing vacancy can still spare a message: not yet reached, or whose
    draft about it still waits in someone's inbox; and, so that a page retried after a lost
    worker tells the same people again, those this closing has already cancelled."""
    draft_waiting = (
        select(Task.id)
        .where(
            Task.candidate_id == VacancyMatch.candidate_id,
            Task.status == "open",
            Task.occasion == "vacancy",
            Task.idempotency_key.contains(str(vacancy_id)),
        )
        .exists()
    )
    query = (
        select(VacancyMatch.candidate_id)
        .where(
            VacancyMatch.vacancy_id == vacancy_id,
            or_(
                VacancyMatch.status == "matched",
                (VacancyMatch.status == "notified") & draft_waiting,
                (VacancyMatch.status == "cancelled") & (VacancyMatch.reason == CLOSED_BEFORE_SENT),
            ),
        )
        .order_by(VacancyMatch.candidate_id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(VacancyMatch.candidate_id > after)
    return list((await session.execute(query)).scalars().all())


async def match_counts(session: AsyncSession, vacancy_id: uuid.UUID) -> dict[str, int]:
    result = await session.execute(
        select(VacancyMatch.status, func.count())
        .where(VacancyMatch.vacancy_id == vacancy_id)
        .group_by(VacancyMatch.status)
    )
    return {status: int(count) for status, count in result.all()}


# "birthday went out on 2026-03-02": the same reason on any day.
DATED = re.compile(r"\s+(?:on|by)\s+\d{4}-\d{2}-\d{2}")


async def skip_reasons(session: AsyncSession, vacancy_id: uuid.UUID) -> dict[str, int]:
    """Why candidates were not contacted, counted by reason whatever the dates in it."""
    result = await session.execute(
        select(VacancyMatch.reason, func.count())
        .where(VacancyMatch.vacancy_id == vacancy_id, VacancyMatch.status == "skipped")
        .group_by(VacancyMatch.reason)
    )
    counted: dict[str, int] = {}
    for reason, count in result.all():
        key = DATED.sub("", str(reason))
        counted[key] = counted.get(key, 0) + int(count)
    return counted


async def list_matches(
    session: AsyncSession,
    vacancy_id: uuid.UUID,
    *,
    owner: str | None = None,
    limit: int,
    offset: int,
) -> Sequence[tuple[VacancyMatch, Candidate]]:
    """Best first; a vacancy's matches are written once, so offsets stay stable."""
    query = (
        select(VacancyMatch, Candidate)
        .join(Candidate, Candidate.id == VacancyMatch.candidate_id)
        .join(Vacancy, Vacancy.id == VacancyMatch.vacancy_id)
        .where(VacancyMatch.vacancy_id == vacancy_id)
        .order_by(VacancyMatch.score.desc(), VacancyMatch.candidate_id)
        .limit(limit)
        .offset(offset)
    )
    if owner:
        # Whoever wrote to them: their owner, or for those nobody holds, the hiring manager.
        writer = func.coalesce(Candidate.owner, Vacancy.hiring_manager)
        query = query.where(func.lower(writer) == owner.lower())
    return [(row[0], row[1]) for row in (await session.execute(query)).all()]


async def matches_for(
    session: AsyncSession, candidate_id: uuid.UUID, vacancy_ids: Sequence[uuid.UUID]
) -> Sequence[tuple[Vacancy, VacancyMatch]]:
    result = await session.execute(
        select(Vacancy, VacancyMatch)
        .join(VacancyMatch, VacancyMatch.vacancy_id == Vacancy.id)
        .where(VacancyMatch.candidate_id == candidate_id, Vacancy.id.in_(vacancy_ids))
        .order_by(Vacancy.created_at)
    )
    return [(row[0], row[1]) for row in result.all()]


async def undigested_matches(
    session: AsyncSession,
) -> list[tuple[Candidate, VacancyMatch, Vacancy]]:
    """Matches no owner's digest has listed yet, with whom to tell.

    Cancelled matches are left out (their vacancy closed before anyone heard of it), and so
    are candidates whom nobody wrote to: no relationship owner and no hiring manager. A match
    acted on before its vacancy closed is still news to the owner.
    """
    result = await session.execute(
        select(Candidate, VacancyMatch, Vacancy)
        .join(VacancyMatch, VacancyMatch.candidate_id == Candidate.id)
        .join(Vacancy, Vacancy.id == VacancyMatch.vacancy_id)
        .where(
            VacancyMatch.digest_id.is_(None),
            VacancyMatch.status != "cancelled",
            func.coalesce(Candidate.owner, Vacancy.hiring_manager).is_not(None),
        )
        .order_by(Vacancy.created_at, Vacancy.id, VacancyMatch.score.desc(), Candidate.full_name)
    )
    return [(candidate, match, vacancy) for candidate, match, vacancy in result.all()]


# A reply months after a vacancy message answers something else (a birthday wish).
REPLY_COUNTS_FOR_VACANCY = timedelta(days=30)


async def mark_replied(session: AsyncSession, candidate_id: uuid.UUID) -> None:
    """A reply soon after a vacancy message counts as a reply to that vacancy."""
    await session.execute(
        update(VacancyMatch)
        .where(
            VacancyMatch.candidate_id == candidate_id,
            VacancyMatch.status == "notified",
            VacancyMatch.updated_at >= func.now() - REPLY_COUNTS_FOR_VACANCY,
        )
        .values(status="replied")
    )


async def get_campaign(session: AsyncSession, campaign_id: uuid.UUID) -> Campaign | None:
    return await session.get(Campaign, campaign_id)


async def get_campaign_by_external_id(session: AsyncSession, external_id: str) -> Campaign | None:
    result = await session.execute(select(Campaign).where(Campaign.external_id == external_id))
    return result.scalar_one_or_none()


async def invite_members(
    session: AsyncSession, campaign: Campaign, candidate_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    """One invitation per candidate of the campaign (again on a retry: the same one)."""
    if candidate_ids:
        await session.execute(
            insert(Invitation)
            .values(
                [
                    {
                        "id": uuid.uuid4(),
                        "candidate_id": candidate_id,
                        "campaign_id": campaign.id,
                        "kind": campaign.kind,
                        "sender_role": campaign.sender_role,
                        "sender": campaign.sender,
                        "title": campaign.title,
                        "url": campaign.url,
                        "starts_at": campaign.starts_at,
                        "message": campaign.message,
                    }
                    for candidate_id in candidate_ids
                ]
            )
            .on_conflict_do_nothing(
                index_elements=[Invitation.campaign_id, Invitation.candidate_id]
            )
        )
    result = await session.execute(
        select(Invitation.candidate_id, Invitation.id).where(
            Invitation.campaign_id == campaign.id, Invitation.candidate_id.in_(candidate_ids)
        )
    )
    return {candidate_id: invitation_id for candidate_id, invitation_id in result.all()}


async def record_digest(
    session: AsyncSession,
    *,
    idempotency_key: str,
    owner: str,
    day: date,
    candidates: int,
    match_ids: Sequence[uuid.UUID],
    sent_at: datetime,
) -> None:
    """The digest went out: remember it, and that it listed these matches."""
    inserted = await session.execute(
        insert(Digest)
        .values(
            id=uuid.uuid4(),
            idempotency_key=idempotency_key,
            owner=owner,
            day=day,
            candidates=candidates,
            sent_at=sent_at,
        )
        .on_conflict_do_nothing(index_elements=[Digest.idempotency_key])
        .returning(Digest.id)
    )
    digest_id = inserted.scalar_one_or_none()
    if digest_id is None:
        existing = select(Digest.id).where(Digest.idempotency_key == idempotency_key)
        digest_id = (await session.execute(existing)).scalar_one()
    await session.execute(
        update(VacancyMatch)
        .where(VacancyMatch.id.in_(match_ids), VacancyMatch.digest_id.is_(None))
        .values(digest_id=digest_id)
    )


async def digest_sent(session: AsyncSession, idempotency_key: str) -> bool:
    result = await session.execute(
        select(Digest.id).where(Digest.idempotency_key == idempotency_key)
    )
    return result.scalar_one_or_none() is not None
