"""Vacancies end to end on the real dev stack: 300 candidates, 60 who fit, one touch each;
closing before the window opens; the owners' daily digest and its schedule; a worker killed in
the middle."""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from datetime import UTC, datetime, time, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import psycopg
from temporalio.client import (
    Client,
    ScheduleActionExecutionStartWorkflow,
    ScheduleActionStartWorkflow,
    ScheduleBackfill,
    ScheduleHandle,
    ScheduleOverlapPolicy,
    ScheduleRange,
)

from harness.api_helpers import country_without_holiday, enrolment, eventually, zone_in_send_window
from harness.stack import RunningStack
from rapport.contracts.digest import OwnerDigestInput, OwnerDigestResult
from rapport.mailbox import read_mailbox
from rapport.settings import Settings
from rapport.temporal import connect
from workflows.schedules import DIGEST_SCHEDULE_ID, PAUSED_NOTE, ensure_digest_schedule


def people(
    count: int, *, skill: str, zone: str, country: str, owners: list[str], **extra: Any
) -> list[dict[str, Any]]:
    rows = []
    for number in range(count):
        body = enrolment(
            timezone=zone,
            country=country,
            birthday=None,
            job_started_on=None,
            skills=[skill, "sql"],
            current_title="Data Engineer",
            location="Berlin",
            relationship={
                "origin": "former_colleague",
                "rapport": "warm",
                "owner": owners[number % len(owners)],
            },
        )
        body.update(extra)
        rows.append(body)
    return rows


async def enrol_all(api: httpx.AsyncClient, rows: list[dict[str, Any]]) -> list[str]:
    report = (await api.post("/api/candidates/import", json=rows)).json()
    assert report["created"] == len(rows), report
    return [item["id"] for item in report["items"]]


def mails(directory: Path) -> list[EmailMessage]:
    return read_mailbox(directory) if directory.exists() else []


async def vacancy_touches(database_url: str, candidate_ids: list[str]) -> dict[str, list[str]]:
    plain = database_url.replace("postgresql+psycopg://", "postgresql://", 1)

    def query() -> dict[str, list[str]]:
        with psycopg.connect(plain) as connection:
            rows = connection.execute(
                "select candidate_id::text, status from touches"
                " where occasion = 'vacancy' and candidate_id = any(%s::uuid[])",
                (candidate_ids,),
            ).fetchall()
        found: dict[str, list[str]] = {}
        for candidate_id, status in rows:
            found.setdefault(candidate_id, []).append(status)
        return found

    return await asyncio.to_thread(query)


def stack_settings(stack: RunningStack, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "temporal_address": stack.temporal_address,
        "task_queue": stack.env["RAPPORT_TASK_QUEUE"],
        "encryption_keys": (stack.data_dir / "encryption.keys").read_text().strip(),
        "digest_time": stack.env["RAPPORT_DIGEST_TIME"],
        "digest_timezone": stack.env["RAPPORT_DIGEST_TIMEZONE"],
        "digest_paused": stack.env["RAPPORT_DIGEST_PAUSED"],
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def digest_schedule(stack: RunningStack) -> ScheduleHandle:
    client = await connect(stack_settings(stack))
    return client.get_schedule_handle(DIGEST_SCHEDULE_ID)


def vacancy_body(skill: str, **extra: Any) -> dict[str, Any]:
    body = {
        "external_id": f"req-{uuid.uuid4().hex[:8]}",
        "title": "Senior Data Engineer",
        "description": "Streaming pipelines for our marketplace.",
        "skills": [skill, "sql", "kafka"],
        "seniority": "senior",
        "location": "Berlin",
        "remote": False,
        "hiring_manager": "maria.hm@example.com",
        "url": "https://jobs.example.com/senior-data-engineer",
    }
    body.update(extra)
    return body


async def test_a_vacancy_reaches_exactly_the_candidates_who_fit(
    api: httpx.AsyncClient, stack: RunningStack, database_url: str
) -> None:
    suffix = uuid.uuid4().hex[:6]
    skill, other = f"flink{suffix}", f"php{suffix}"
    zone, local_now = zone_in_send_window()
    country = country_without_holiday(local_now.date())
    owners = [f"owner{n}-{suffix}@example.com" for n in range(3)]
    fitting = people(50, skill=skill, zone=zone, country=country, owners=owners)
    # Ten cold LinkedIn-only contacts: their vacancy message is a draft for the owner.
    fitting += people(
        10, skill=skill, zone=zone, country=country, owners=owners, email=None, consent={}
    )
    for row in fitting[50:]:
        row["relationship"] = {**row["relationship"], "origin": "linkedin_connection",
                               "rapport": "cold"}  # fmt: skip
    others = people(240, skill=other, zone=zone, country=country, owners=owners)
    fitting_ids = await enrol_all(api, fitting)
    await enrol_all(api, others)

    body = vacancy_body(skill)
    created = await api.post("/api/vacancies", json=body)
    assert created.status_code == 201, created.text
    vacancy = created.json()
    assert vacancy["workflow_id"] == f"vacancy-{vacancy['id']}"

    async def all_notified() -> dict[str, Any] | None:
        state = (await api.get(f"/api/vacancies/{vacancy['id']}")).json()
        # The candidates' own workflows record their touches while the fan-out may still be
        # scanning its last page: wait for both, so a loaded machine cannot race them.
        return state if state["notified"] == 60 and state["fanned_out"] else None

    async def show() -> Any:
        return (await api.get(f"/api/vacancies/{vacancy['id']}")).json()

    state = await eventually(all_notified, show=show)
    assert (state["matched"], state["skipped"], state["pending"]) == (60, 0, 0)
    assert state["fanned_out"] is True

    touches = await vacancy_touches(database_url, fitting_ids)
    assert sorted(touches) == sorted(fitting_ids)
    assert all(len(statuses) == 1 for statuses in touches.values())
    assert sorted(s[0] for s in touches.values()) == ["awaiting_owner"] * 10 + ["sent"] * 50

    emails = [m for m in mails(stack.mail_dir) if "Senior Data Engineer" in str(m["Subject"])]
    to_candidates = [m for m in emails if m["To"] not in owners]
    assert len(to_candidates) == 50
    assert len({m["To"] for m in to_candidates}) == 50
    text = to_candidates[0].get_content()
    assert f"because of your experience with {skill} and sql, your work as Data Engineer" in text
    assert "of 3 skills" not in text and "kafka" not in text  # never what they lack
    assert "https://jobs.example.com/senior-data-engineer" in text

    # A second role the same day fits nine more of the same owners' contacts.
    second_skill = f"dbt{suffix}"
    second_rows = people(9, skill=second_skill, zone=zone, country=country, owners=owners)
    await enrol_all(api, second_rows)
    second_body = vacancy_body(second_skill, title="Lead Data Engineer")
    second = (await api.post("/api/vacancies", json=second_body)).json()

    async def second_fanned_out() -> dict[str, Any] | None:
        state = (await api.get(f"/api/vacancies/{second['id']}")).json()
        return state if state["fanned_out"] and state["matched"] == 9 else None

    await eventually(second_fanned_out)
    assert not [m for m in mails(stack.mail_dir) if m["To"] in owners], "a digest per match"

    # The stack's schedule is paused (RAPPORT_DIGEST_PAUSED): today's digest, now.
    schedule = await digest_schedule(stack)
    await schedule.trigger()

    async def digests_arrived() -> list[EmailMessage]:
        found = [m for m in await asyncio.to_thread(mails, stack.mail_dir) if m["To"] in owners]
        return found if len(found) >= len(owners) else []

    digests = await eventually(digests_arrived)
    assert sorted(m["To"] for m in digests) == sorted(owners)
    for digest in digests:
        owner = str(digest["To"])
        theirs = sum(row["relationship"]["owner"] == owner for row in fitting + second_rows)
        assert str(digest["Subject"]).startswith(f"{theirs} of your contacts fit 2 roles (")
        listing = digest.get_content()
        assert "Senior Data Engineer" in listing and "Lead Data Engineer" in listing
    [*_, run] = (await schedule.describe()).info.recent_actions
    assert isinstance(run.action, ScheduleActionExecutionStartWorkflow)
    assert run.action.workflow_id.startswith("owner-digest-")
    client = await connect(stack_settings(stack))
    handle = client.get_workflow_handle(run.action.workflow_id, result_type=OwnerDigestResult)
    result = await handle.result()
    # Its day is the day it was scheduled for, in the digest's time zone.
    assert result.day == run.scheduled_at.astimezone(ZoneInfo("Asia/Tokyo")).date().isoformat()
    assert result.owners >= len(owners) and result.candidates >= len(fitting + second_rows)

    tasks = (await api.get("/api/tasks", params={"owner": owners[0], "status": "open"})).json()
    vacancy_tasks = [t for t in tasks["items"] if t["occasion"] == "vacancy"]
    assert vacancy_tasks and all(t["channel"] == "linkedin_message" for t in vacancy_tasks)

    matches = await api.get(f"/api/vacancies/{vacancy['id']}/matches", params={"limit": 500})
    items = matches.json()["items"]
    assert len(items) == 60
    assert all(item["score"] >= 0.5 and item["reasons"] for item in items)
    paged: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 25} | ({"cursor": cursor} if cursor else {})
        page = (await api.get(f"/api/vacancies/{vacancy['id']}/matches", params=params)).json()
        paged += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert paged == items
    for bad in ("²", "99999999999999999999", "-1", "x"):
        refused = await api.get(f"/api/vacancies/{vacancy['id']}/matches", params={"cursor": bad})
        assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "cursor"

    again = await api.post("/api/vacancies", json=body)
    assert again.status_code == 200 and again.json()["id"] == vacancy["id"]
    await asyncio.sleep(2)
    assert await vacancy_touches(database_url, fitting_ids) == touches


async def test_closing_before_the_window_opens_cancels_the_pending_messages(
    api: httpx.AsyncClient, stack: RunningStack, database_url: str
) -> None:
    suffix = uuid.uuid4().hex[:6]
    skill = f"beam{suffix}"
    zone, local_now = zone_in_send_window(inside=False)
    country = country_without_holiday(local_now.date())
    owners = [f"night-{suffix}@example.com"]
    ids = await enrol_all(api, people(20, skill=skill, zone=zone, country=country, owners=owners))
    vacancy = (await api.post("/api/vacancies", json=vacancy_body(skill))).json()

    async def fanned_out() -> dict[str, Any] | None:
        state = (await api.get(f"/api/vacancies/{vacancy['id']}")).json()
        return state if state["fanned_out"] and state["matched"] == 20 else None

    before = await eventually(fanned_out)
    assert (before["pending"], before["notified"]) == (20, 0)

    closed = await api.post(f"/api/vacancies/{vacancy['id']}/close")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"

    async def cancelled() -> dict[str, Any] | None:
        state = (await api.get(f"/api/vacancies/{vacancy['id']}")).json()
        return state if state["cancelled"] == 20 else None

    await eventually(cancelled)

    async def no_vacancy_planned() -> bool:
        for candidate_id in ids:
            plan = (await api.get(f"/api/candidates/{candidate_id}/plan")).json()["items"]
            if any(item["occasion"] == "vacancy" for item in plan):
                return False
        return True

    await eventually(no_vacancy_planned)
    assert await vacancy_touches(database_url, ids) == {}
    assert (await api.post(f"/api/vacancies/{vacancy['id']}/close")).status_code == 200


async def test_the_daily_digest_is_a_schedule_that_follows_the_settings(
    stack: RunningStack,
) -> None:
    schedule = await digest_schedule(stack)
    described = await schedule.describe()
    [calendar] = described.schedule.spec.calendars
    assert (calendar.hour, calendar.minute) == ((ScheduleRange(6),), (ScheduleRange(45),))
    assert described.schedule.spec.time_zone_name == "Asia/Tokyo"
    assert described.schedule.state.paused and described.schedule.state.note == PAUSED_NOTE
    action = described.schedule.action
    assert isinstance(action, ScheduleActionStartWorkflow)
    assert (action.workflow, action.id) == ("OwnerDigestWorkflow", "owner-digest")
    assert action.task_queue == stack.env["RAPPORT_TASK_QUEUE"]
    client = await connect(stack_settings(stack))
    [argument] = await client.data_converter.decode(action.args, [OwnerDigestInput])
    assert argument == OwnerDigestInput(timezone="Asia/Tokyo")

    try:
        # New settings on the next worker start: the schedule moves, and the setting's own
        # pause is lifted...
        moved = stack_settings(stack, digest_time="18:30", digest_timezone="Europe/Lisbon",
                               digest_paused=False)  # fmt: skip
        await ensure_digest_schedule(client, moved)
        now = (await schedule.describe()).schedule
        [calendar] = now.spec.calendars
        assert (calendar.hour, calendar.minute) == ((ScheduleRange(18),), (ScheduleRange(30),))
        assert now.spec.time_zone_name == "Europe/Lisbon"
        assert not now.state.paused
        # ...while an operator's pause stays.
        await schedule.pause(note="held by an operator")
        await ensure_digest_schedule(client, moved)
        assert (await schedule.describe()).schedule.state.paused
    finally:
        await ensure_digest_schedule(client, stack_settings(stack))
    restored = (await schedule.describe()).schedule
    assert restored.spec.time_zone_name == "Asia/Tokyo" and restored.state.paused


async def test_a_late_digest_run_covers_the_day_it_was_scheduled_for(
    stack: RunningStack,
) -> None:
    """A run caught up after an outage (here: a backfill of a slot two days back) keys its
    digests by the day it was meant for, not the day it ran."""
    schedule = await digest_schedule(stack)
    tokyo = ZoneInfo("Asia/Tokyo")
    day = datetime.now(tokyo).date() - timedelta(days=2)
    slot = datetime.combine(day, time(6, 45), tokyo)
    await schedule.backfill(
        ScheduleBackfill(
            start_at=slot - timedelta(minutes=1),
            end_at=slot + timedelta(minutes=1),
            overlap=ScheduleOverlapPolicy.ALLOW_ALL,
        )
    )

    async def ran() -> ScheduleActionExecutionStartWorkflow | None:
        for action in (await schedule.describe()).info.recent_actions:
            if action.scheduled_at == slot.astimezone(UTC):
                assert isinstance(action.action, ScheduleActionExecutionStartWorkflow)
                return action.action
        return None

    run = await eventually(ran)
    client = await connect(stack_settings(stack))
    result = await client.get_workflow_handle(
        run.workflow_id, result_type=OwnerDigestResult
    ).result()
    assert result.day == day.isoformat()


def worker_pids(data_dir: Path) -> list[int]:
    """The stack's worker process: `python worker.py` with this stack's data dir."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            command = (proc / "cmdline").read_bytes().split(b"\0")
            environ = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"worker.py" in command and f"RAPPORT_DATA_DIR={data_dir}".encode() in environ:
            found.append(int(proc.name))
    return found


async def test_fan_out_survives_a_killed_worker_without_duplicates(
    api: httpx.AsyncClient, stack: RunningStack, database_url: str
) -> None:
    suffix = uuid.uuid4().hex[:6]
    skill = f"storm{suffix}"
    zone, local_now = zone_in_send_window()
    country = country_without_holiday(local_now.date())
    owners = [f"restart-{suffix}@example.com"]
    ids = await enrol_all(api, people(120, skill=skill, zone=zone, country=country, owners=owners))
    vacancy = (await api.post("/api/vacancies", json=vacancy_body(skill))).json()

    async def started() -> dict[str, Any] | None:
        state = (await api.get(f"/api/vacancies/{vacancy['id']}")).json()
        return state if state["matched"] > 0 else None

    at_kill = await eventually(started, within=30)
    pids = worker_pids(stack.data_dir)
    assert len(pids) == 1
    os.kill(pids[0], signal.SIGKILL)
    assert at_kill["matched"] < 120, "the fan-out finished before the worker could be killed"

    async def all_notified() -> dict[str, Any] | None:
        state = (await api.get(f"/api/vacancies/{vacancy['id']}")).json()
        return state if state["notified"] == 120 else None

    state = await eventually(all_notified, within=240)
    assert (state["matched"], state["skipped"]) == (120, 0)
    assert worker_pids(stack.data_dir) != pids  # the dev stack restarted it

    touches = await vacancy_touches(database_url, ids)
    assert sorted(touches) == sorted(ids)
    assert all(statuses == ["sent"] for statuses in touches.values())
    emails = [m for m in mails(stack.mail_dir) if skill in m.get_content() and m["To"] != owners[0]]
    assert len(emails) == 120 and len({m["To"] for m in emails}) == 120

    temporal = await Client.connect(stack.temporal_address)
    for candidate_id in ids[:30]:
        history = await temporal.get_workflow_handle(f"candidate-{candidate_id}").fetch_history()
        signals = [
            event.workflow_execution_signaled_event_attributes.signal_name
            for event in history.events
            if event.HasField("workflow_execution_signaled_event_attributes")
        ]
        assert signals.count("vacancy_opened") == 1, candidate_id


async def test_a_campaign_invites_its_segment_through_each_budget(
    api: httpx.AsyncClient, database_url: str
) -> None:
    suffix = uuid.uuid4().hex[:6]
    zone, local_now = zone_in_send_window()
    country = country_without_holiday(local_now.date())
    owners = [f"mkt-{suffix}@example.com"]
    interest = f"observability{suffix}"
    inside = people(6, skill=f"go{suffix}", zone=zone, country=country, owners=owners,
                    interests=[interest])  # fmt: skip
    outside = people(4, skill=f"go{suffix}", zone=zone, country=country, owners=owners)
    inside_ids = await enrol_all(api, inside)
    outside_ids = await enrol_all(api, outside)

    campaign_body = {
        "external_id": f"mkt-{suffix}",
        "name": "Observability webinar",
        "kind": "webinar",
        "title": "Tracing at scale",
        "url": "https://events.example.com/tracing",
        "starts_at": (datetime.now(UTC) + timedelta(days=90)).isoformat(),
        "segment": {"interests": [interest], "rapports": ["warm", "strong"]},
    }
    created = await api.post("/api/campaigns", json=campaign_body)
    assert created.status_code == 201, created.text
    campaign = created.json()

    async def invited() -> dict[str, Any] | None:
        state = (await api.get(f"/api/campaigns/{campaign['id']}")).json()
        return state if state["invited"] == 6 else None

    await eventually(invited)
    plain = database_url.replace("postgresql+psycopg://", "postgresql://", 1)

    def invitation_touches() -> dict[str, str]:
        with psycopg.connect(plain) as connection:
            rows = connection.execute(
                "select candidate_id::text, status from touches"
                " where occasion = 'invitation' and candidate_id = any(%s::uuid[])",
                (inside_ids + outside_ids,),
            ).fetchall()
        return dict(rows)

    async def all_sent() -> dict[str, str] | None:
        found = await asyncio.to_thread(invitation_touches)
        # A touch is recorded `scheduled` just before its email goes out: wait for its outcome.
        return found if len(found) == 6 and "scheduled" not in found.values() else None

    sent = await eventually(all_sent)
    assert sorted(sent) == sorted(inside_ids)
    assert set(sent.values()) == {"sent"}
    again = await api.post("/api/campaigns", json=campaign_body)
    assert again.status_code == 200 and again.json()["id"] == campaign["id"]
    assert again.json()["invited"] == 6
    bad = await api.post("/api/campaigns", json={"name": "x", "kind": "party", "title": "x"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "kind"
