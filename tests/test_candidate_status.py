"""Reading a candidate does not wake its workflow: the stage and next touch come from what the
workflow stored in PostgreSQL when they changed (`published`), the live workflow only when
asked (`?live=true`), and the planner's answer from the profile until the workflow has stored
one (`plan`). On the real dev stack."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.status import NotEnrolledYet, StatusActivities
from harness.api_helpers import days_ahead, enrolment, eventually, zone_in_send_window
from harness.rows import make_candidate
from rapport.contracts.status import StatusToStore
from rapport.db.repositories import candidates as candidate_repo
from rapport.db.repositories import statuses as status_repo
from rapport.vocabulary import Stage


async def published(api: httpx.AsyncClient, candidate_id: str) -> dict[str, Any] | None:
    detail: dict[str, Any] = (await api.get(f"/api/candidates/{candidate_id}")).json()
    return detail if detail["status_source"] == "published" else None


async def test_the_published_status_is_the_live_one(api: httpx.AsyncClient) -> None:
    birthday = f"{days_ahead(20):%m-%d}"
    created = (await api.post("/api/candidates", json=enrolment(birthday=birthday))).json()
    first = (await api.get(f"/api/candidates/{created['id']}")).json()
    # Before the workflow has stored its status the planner answers, with the same touch.
    assert first["status_source"] in ("published", "plan")
    stored = await eventually(lambda: published(api, created["id"]))
    live = (await api.get(f"/api/candidates/{created['id']}", params={"live": "true"})).json()
    assert live["status_source"] == "workflow"
    assert stored["stage"] == live["stage"] == "nurturing"
    assert stored["next_touch"] == live["next_touch"] == first["next_touch"]
    assert stored["next_touch"]["occasion"] == "birthday"
    assert stored["next_touch"]["channel"] == "email"
    assert stored["next_touch"]["sender_role"] == "employee"


async def test_a_change_is_published(api: httpx.AsyncClient) -> None:
    birthday = f"{days_ahead(20):%m-%d}"
    created = (await api.post("/api/candidates", json=enrolment(birthday=birthday))).json()
    await eventually(lambda: published(api, created["id"]))
    patched = await api.patch(f"/api/candidates/{created['id']}", json={"birthday": None})
    assert patched.status_code == 200, patched.text

    async def replanned() -> dict[str, Any] | None:
        detail = await published(api, created["id"])
        return detail if detail and detail["next_touch"]["occasion"] != "birthday" else None

    after = await eventually(replanned)
    live = (await api.get(f"/api/candidates/{created['id']}", params={"live": "true"})).json()
    assert after["next_touch"] == live["next_touch"]


async def test_an_ended_stage_shows_at_once_and_erasure_removes_the_row(
    api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    created = (await api.post("/api/candidates", json=enrolment())).json()
    await eventually(lambda: published(api, created["id"]))
    total = await api.post(f"/api/candidates/{created['id']}/opt-out", json={})
    assert total.status_code == 200, total.text
    detail = (await api.get(f"/api/candidates/{created['id']}")).json()
    assert (detail["stage"], detail["next_touch"]) == ("opted_out", None)

    async def stored_stage() -> str | None:
        async with sessions() as session:
            row = await status_repo.get_status(session, uuid.UUID(created["id"]))
        return row.stage if row and row.stage == "opted_out" else None

    assert await eventually(stored_stage) == "opted_out"
    erased = await api.delete(f"/api/candidates/{created['id']}")
    assert erased.status_code == 204, erased.text
    async with sessions() as session:
        assert await status_repo.get_status(session, uuid.UUID(created["id"])) is None


async def test_the_plan_is_drawn_from_the_published_state(api: httpx.AsyncClient) -> None:
    """`/plan` plans from the state the workflow published with its status (it is not woken),
    as the live workflow would; a change the workflow hears of is published with it."""
    # Where it is night now: a touch is then planned for a window's start, not for "now"
    # (which is a moment later in the second of two plans).
    night, _ = zone_in_send_window(inside=False)
    body = enrolment(birthday=f"{days_ahead(20):%m-%d}", timezone=night)
    created = (await api.post("/api/candidates", json=body)).json()
    plan_url = f"/api/candidates/{created['id']}/plan"

    async def published_plan(wanted: str) -> dict[str, Any] | None:
        plan: dict[str, Any] = (await api.get(plan_url)).json()
        occasions = {item["occasion"] for item in plan["items"]}
        return plan if plan["source"] == "published" and wanted in occasions else None

    plan = await eventually(lambda: published_plan("birthday"))
    live = (await api.get(plan_url, params={"live": "true"})).json()
    assert live["source"] == "workflow"
    assert plan["items"] == live["items"]
    met = await api.post(
        f"/api/candidates/{created['id']}/interactions",
        json={"type": "met_in_person", "event": "PyCon", "date": f"{days_ahead(-1):%Y-%m-%d}",
              "rapport": "strong"},
    )  # fmt: skip
    assert met.status_code in (200, 201), met.text
    after = await eventually(lambda: published_plan("event_follow_up"))
    live = (await api.get(plan_url, params={"live": "true"})).json()
    assert after["items"] == live["items"]


@contextmanager
def statements(session: AsyncSession) -> Iterator[list[str]]:
    """The SQL statements `session` sends while in the block."""
    sent: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    engine = session.bind.sync_engine  # type: ignore[union-attr]
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", note)


async def test_a_read_loads_the_candidate_and_their_status_in_one_statement(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """`GET /api/candidates/{id}` is read by one statement, not one for each row."""
    candidate, _ = await make_candidate(sessions)
    due = datetime.now(UTC) + timedelta(days=9)
    async with sessions.begin() as session:
        await status_repo.store_status(
            session, candidate.id, stage="nurturing", occasion="birthday", channel="email",
            sender_role="employee", due_at=due, published_at=datetime.now(UTC),
        )  # fmt: skip
    async with sessions() as session:
        with statements(session) as sent:
            found = await candidate_repo.get_candidate_and_status(session, candidate.id)
            status = await status_repo.get_status(session, candidate.id)
        assert found is not None and found.id == candidate.id
        assert status is not None and (status.occasion, status.due_at) == ("birthday", due)
        assert len(sent) == 1, sent
    async with sessions() as session:  # no status stored: the candidate all the same
        other, _ = await make_candidate(sessions)
        found = await candidate_repo.get_candidate_and_status(session, other.id)
        assert found is not None and await status_repo.get_status(session, other.id) is None
        assert await candidate_repo.get_candidate_and_status(session, uuid.uuid4()) is None


async def test_a_profile_read_leaves_the_planner_s_state_in_the_database(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """`GET /api/candidates/{id}` shows no plan: its one statement does not fetch the
    published planner's state (JSON), and touching it afterwards raises rather than asks again;
    the plan's read does fetch it."""
    candidate, _ = await make_candidate(sessions)
    async with sessions.begin() as session:
        await status_repo.store_status(
            session, candidate.id, stage="nurturing", occasion="birthday", channel="email",
            sender_role="employee", due_at=datetime.now(UTC) + timedelta(days=9),
            published_at=datetime.now(UTC), plan_state={"marker": "the planner's state"},
        )  # fmt: skip
    async with sessions() as session:
        with statements(session) as sent:
            found = await candidate_repo.get_candidate_and_status(
                session, candidate.id, plan_state=False
            )
        assert len(sent) == 1 and "plan_state" not in sent[0], sent
        status = await status_repo.get_status(session, candidate.id)
        assert status is not None and status.occasion == "birthday"
        with pytest.raises(InvalidRequestError):
            _ = status.plan_state
    async with sessions() as session:
        found = await candidate_repo.get_candidate_and_status(session, candidate.id)
        status = await status_repo.get_status(session, candidate.id)
        assert found is not None and status is not None
        assert status.plan_state == {"marker": "the planner's state"}


async def test_a_status_waits_for_its_candidate_s_row_and_not_for_an_erased_one(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """A new workflow's first task can run before the enrolment that started it commits the
    candidate's row: that store is tried again, not given up. An erased candidate's is."""
    store = StatusActivities(sessions).store_status
    status = StatusToStore(
        candidate_id=str(uuid.uuid4()), stage=Stage.NURTURING, next_touch=None,
        published_at=datetime.now(UTC),
    )  # fmt: skip
    with pytest.raises(NotEnrolledYet):
        await store(status)
    candidate, _ = await make_candidate(sessions)
    assert await store(dataclasses.replace(status, candidate_id=str(candidate.id))) is True
    async with sessions.begin() as session:
        erased = await candidate_repo.get_candidate(session, candidate.id)
        assert erased is not None
        await candidate_repo.erase_candidate(session, erased)
    assert await store(dataclasses.replace(status, candidate_id=str(candidate.id))) is False
