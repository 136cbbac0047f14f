"""The workspace's figures, from rows written straight to PostgreSQL: replies, interested
replies and hires put down to the last touch before them, by channel, occasion, sender role and
relationship; touches per candidate per month; the coming weeks' load from what workflows
published (a stage changed since, or a planned skip, counts nothing); skips by the kind of
their reason; a campaign's invitations by what became of their touch. All relative to now,
each test with owners of its own (the database is shared)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.app.outcomes import OutcomesCache
from harness.rows import make_candidate
from rapport.db.models import Campaign, Interaction, Invitation, PublishedStatus, Touch
from rapport.db.repositories import campaigns as campaign_repo
from rapport.db.repositories import outcomes as outcome_repo

Sessions = async_sessionmaker[AsyncSession]
NOW = datetime.now(UTC)


def touch(candidate_id: uuid.UUID, key: str, status: str, days_ago: float, **values: Any) -> Touch:
    at = NOW - timedelta(days=days_ago)
    defaults: dict[str, Any] = {
        "occasion": "birthday",
        "channel": "email",
        "sender_role": "employee",
        "sent_at": at if status == "sent" else None,
        "updated_at": at,
    }
    return Touch(
        candidate_id=candidate_id,
        idempotency_key=key,
        status=status,
        due_at=at,
        **{**defaults, **values},
    )


def reply(candidate_id: uuid.UUID, sentiment: str, days_ago: float, channel: str | None) -> Any:
    return Interaction(
        candidate_id=candidate_id,
        type="replied",
        sentiment=sentiment,
        channel=channel,
        created_at=NOW - timedelta(days=days_ago),
    )


def planned(candidate_id: uuid.UUID, stage: str, days_ahead: float, **values: Any) -> Any:
    return PublishedStatus(
        candidate_id=candidate_id,
        stage=stage,
        occasion="birthday",
        channel="email",
        sender_role="hr",
        due_at=NOW + timedelta(days=days_ahead),
        published_at=NOW,
        **values,
    )


async def test_replies_hires_months_weeks_and_skips(sessions: Sessions) -> None:
    owner = f"owner-{uuid.uuid4().hex[:6]}@example.com"
    a, _ = await make_candidate(sessions, owner=owner, relationship_origin="referral")
    b, _ = await make_candidate(
        sessions,
        owner=owner.upper(),
        relationship_origin="in_person_event",
        stage="hired",
        updated_at=NOW - timedelta(days=2),
    )
    c, _ = await make_candidate(sessions, owner=owner, stage="paused")
    others, _ = await make_candidate(sessions, owner="someone-else@example.com")
    async with sessions.begin() as session:
        session.add_all(
            [
                touch(a.id, f"{a.id}:birthday:1", "sent", 20),
                touch(a.id, f"{a.id}:check_in:1", "skipped", 3, reason="contact budget: x on y"),
                touch(b.id, f"{b.id}:check_in:1", "sent", 15, occasion="check_in",
                      channel="linkedin_message", sender_role="hr"),
                touch(b.id, f"{b.id}:birthday:1", "skipped", 4, reason="quiet days: z"),
                touch(b.id, f"{b.id}:birthday:0", "skipped", 5, reason="quiet days: w"),
                touch(others.id, f"{others.id}:birthday:1", "sent", 10),
            ]
        )  # fmt: skip
        session.add_all(
            [
                reply(a.id, "interested", 10, None),
                reply(b.id, "not_now", 5, "linkedin_message"),
                reply(b.id, "unclassified", 45, None),  # before the period
                reply(others.id, "interested", 9, None),
            ]
        )
        session.add_all(
            [
                planned(a.id, "nurturing", 8),
                planned(b.id, "nurturing", 9),  # hired since: nothing coming
                planned(c.id, "paused", 9),
            ]
        )
    start, end = NOW - timedelta(days=30), NOW + timedelta(minutes=1)
    async with sessions() as session:
        replies = await outcome_repo.replies(session, start, end, owner)
        hires = await outcome_repo.hires(session, start, end, owner)
        months = await outcome_repo.touches_per_month(session, start, end, owner)
        weeks = await outcome_repo.upcoming_weeks(session, NOW, NOW + timedelta(weeks=12), owner)
        skips = await outcome_repo.skips_by_reason(session, start, end, owner)
        everyone = await outcome_repo.replies(session, start, end)

    def table(tallies: list[outcome_repo.Tally]) -> set[tuple[str, str | None, int, int]]:
        return {(t.dimension, t.value, t.count, t.interested) for t in tallies}

    assert table(replies) == {
        ("channel", "email", 1, 1),
        ("channel", "linkedin_message", 1, 0),
        ("occasion", "birthday", 1, 1),
        ("occasion", "check_in", 1, 0),
        ("sender_role", "employee", 1, 1),
        ("sender_role", "hr", 1, 0),
        ("relationship", "referral", 1, 1),
        ("relationship", "in_person_event", 1, 0),
    }
    assert table(hires) == {
        ("channel", "linkedin_message", 1, 0),
        ("occasion", "check_in", 1, 0),
        ("sender_role", "hr", 1, 0),
        ("relationship", "in_person_event", 1, 0),
    }
    assert sum(m.touches for m in months) == 2 and sum(m.candidates for m in months) == 2
    assert max(m.most for m in months) == 1
    assert [(w.touches, w.assisted) for w in weeks] == [(1, 0)]
    assert weeks[0].week.weekday() == 0
    assert skips == [("quiet days", 2), ("contact budget", 1)]
    # Without an owner, everyone's: the other owner's reply too.
    assert sum(t.count for t in everyone if t.dimension == "relationship") >= 3


async def test_a_campaigns_invitations_by_what_became_of_their_touch(sessions: Sessions) -> None:
    people = [(await make_candidate(sessions))[0] for _ in range(4)]
    campaign_id = uuid.uuid4()
    async with sessions.begin() as session:
        session.add(
            Campaign(id=campaign_id, name="Night", kind="webinar", sender_role="marketing",
                     workflow_id=f"campaign-{campaign_id}", segment={}, invited=4)
        )  # fmt: skip
        await session.flush()
        invitations = [
            Invitation(id=uuid.uuid4(), candidate_id=p.id, campaign_id=campaign_id,
                       kind="webinar", sender_role="marketing")
            for p in people
        ]  # fmt: skip
        session.add_all(invitations)
        await session.flush()
        key = [f"{p.id}:invitation:{i.id}" for p, i in zip(people, invitations, strict=True)]
        session.add_all(
            [
                touch(people[0].id, key[0], "sent", 6, occasion="invitation"),
                touch(people[1].id, key[1], "skipped", 5, occasion="invitation",
                      reason="contact budget: vacancy went out on 2026-01-02"),
                # A draft not sent by its deadline, then the email it fell back to.
                touch(people[2].id, key[2], "skipped", 4, occasion="invitation",
                      channel="linkedin_message"),
                touch(people[2].id, f"{key[2]}:email", "sent", 2, occasion="invitation"),
                # people[3]: nothing yet.
            ]
        )  # fmt: skip
        session.add(reply(people[0].id, "interested", 1, None))
    async with sessions() as session:
        found = await campaign_repo.invitation_outcomes(session, campaign_id)
    assert found.invited == 4
    assert found.by_status == {"sent": 2, "skipped": 1, "pending": 1}
    assert found.replied == 1
    assert found.skipped_reasons == {"contact budget": 1}


async def test_the_page_s_figures_are_kept_for_a_while_per_period_and_owner(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = [datetime(2027, 5, 3, 12, 0, tzinfo=UTC)]
    cache = OutcomesCache(ttl=30, size=2, clock=lambda: clock[0])
    first, last = clock[0].date() - timedelta(days=90), clock[0].date()
    async with sessions() as session:
        figures, as_of = await cache.figures(session, first, last, None)
        clock[0] += timedelta(seconds=29)
        again, kept_at = await cache.figures(session, first, last, None)
        assert (again, kept_at, cache.gathered) == (figures, as_of, 1)
        await cache.figures(session, first, last, "Jane.Doe@example.com")  # an owner's own
        assert cache.gathered == 2
        clock[0] += timedelta(seconds=2)
        _, regathered_at = await cache.figures(session, first, last, None)
        assert (regathered_at, cache.gathered) == (clock[0], 3)
        await cache.figures(session, first - timedelta(days=1), last, None)  # a third period
        await cache.figures(session, first, last, "jane.doe@example.com")  # forgotten: size 2
        assert cache.gathered == 5
