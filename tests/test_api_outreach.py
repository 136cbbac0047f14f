"""Outreach over HTTP on the real dev stack: tasks, unsubscribe, interactions, opt-outs,
invitations, stages, articles, erasure."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import httpx
import psycopg
from temporalio.client import Client, WorkflowExecutionStatus

from harness.api_helpers import birthday_on, enrolment, eventually, zone_in_send_window
from harness.stack import RunningStack
from rapport.mailbox import read_mailbox


def in_days(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def birthday_today(**overrides: Any) -> dict[str, Any]:
    zone, local_now = zone_in_send_window()
    return enrolment(
        timezone=zone, birthday=birthday_on(local_now.date()), job_started_on=None, **overrides
    )


async def test_articles_library(api: httpx.AsyncClient) -> None:
    url = f"https://blog.example.com/{uuid.uuid4().hex}"
    body = {"title": "Scaling Spark", "url": url, "summary": "How we did it", "tags": ["Spark"]}
    created = await api.post("/api/articles", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["tags"] == ["spark"]
    again = await api.post("/api/articles", json=body)
    assert again.status_code == 200
    assert again.json()["id"] == created.json()["id"]
    listed = (await api.get("/api/articles", params={"tag": "spark"})).json()["items"]
    assert created.json()["id"] in [item["id"] for item in listed]
    bad = await api.post("/api/articles", json={"title": "x", "url": "ftp://x", "tags": []})
    assert bad.status_code == 422
    assert {p["field"] for p in bad.json()["detail"]} == {"url", "tags"}


async def test_assisted_linkedin_task_is_completed_and_recorded_as_sent(
    api: httpx.AsyncClient,
) -> None:
    owner = f"owner-{uuid.uuid4().hex[:6]}@example.com"
    body = birthday_today(
        email=None,
        consent={},
        relationship={"origin": "linkedin_connection", "rapport": "cold", "owner": owner},
    )
    candidate = (await api.post("/api/candidates", json=body)).json()

    async def open_tasks() -> list[dict[str, Any]]:
        response = await api.get("/api/tasks", params={"owner": owner, "status": "open"})
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    tasks = await eventually(open_tasks)
    assert len(tasks) == 1
    task = tasks[0]
    assert (task["occasion"], task["channel"], task["owner"]) == (
        "birthday",
        "linkedin_message",
        owner,
    )
    assert task["candidate_id"] == candidate["id"]
    assert task["link"] == body["linkedin_url"]
    assert body["full_name"].split()[0] in task["draft"]
    assert task["due_at"] > time.strftime("%Y-%m-%dT%H:%M", time.gmtime())
    touches = (await api.get(f"/api/candidates/{candidate['id']}/touches")).json()["items"]
    assert [(t["status"], t["task_id"]) for t in touches] == [("awaiting_owner", task["id"])]

    # Operators see who is waiting on a person, and for how long.
    async def waiting(who: str | None = owner) -> list[dict[str, Any]]:
        params = {"owner": who} if who else {}
        items: list[dict[str, Any]] = (await api.get("/api/ops/waiting", params=params)).json()[
            "items"
        ]
        return [i for i in items if i["workflow_id"] == candidate["workflow_id"]]

    rows = await eventually(waiting)
    assert rows[0]["awaiting_owner"] == owner and rows[0]["waiting_minutes"] is not None
    assert await eventually(lambda: waiting(None))

    done = await api.post(
        f"/api/tasks/{task['id']}/complete", json={"outcome": "sent", "text": "Happy birthday!"}
    )
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["final_text"]) == ("sent", "Happy birthday!")
    touches = (await api.get(f"/api/candidates/{candidate['id']}/touches")).json()["items"]
    assert touches[0]["status"] == "sent" and touches[0]["sent_at"]

    again = await api.post(f"/api/tasks/{task['id']}/complete", json={"outcome": "skipped"})
    assert again.status_code == 409
    assert await open_tasks() == []

    async def moved_on() -> bool:
        detail = (await api.get(f"/api/candidates/{candidate['id']}")).json()
        return detail["next_touch"] is not None and detail["next_touch"]["due_at"] > task["due_at"]

    await eventually(moved_on)

    async def not_waiting() -> bool:
        return await waiting() == []

    await eventually(not_waiting)
    replanned = await api.post(f"/api/ops/candidates/{candidate['id']}/replan")
    assert replanned.status_code == 200 and replanned.json()["signalled"] == "profile_updated"
    overdue = await api.get("/api/ops/overdue")
    assert overdue.status_code == 200
    assert all(item["workflow_id"] != candidate["workflow_id"] for item in overdue.json()["items"])

    unknown = await api.post(f"/api/tasks/{uuid.uuid4()}/complete", json={"outcome": "sent"})
    assert unknown.status_code == 404
    bad = await api.post(f"/api/tasks/{task['id']}/complete", json={"outcome": "maybe"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "outcome"


async def test_unsubscribe_link_opts_out_of_email(
    api: httpx.AsyncClient, stack: RunningStack
) -> None:
    body = birthday_today()
    candidate = (await api.post("/api/candidates", json=body)).json()

    def arrived() -> EmailMessage | None:
        if not stack.mail_dir.exists():
            return None
        return next((m for m in read_mailbox(stack.mail_dir) if m["To"] == body["email"]), None)

    async def mail() -> EmailMessage | None:
        return await asyncio.to_thread(arrived)

    message: EmailMessage = await eventually(mail)
    link = str(message["List-Unsubscribe"]).strip("<>")
    assert link.startswith(stack.api_url + "/unsubscribe/")
    assert link in message.get_content()

    async with httpx.AsyncClient(timeout=10) as browser:
        page = await browser.get(link)
        assert page.status_code == 200 and "<form" in page.text
        detail = (await api.get(f"/api/candidates/{candidate['id']}")).json()
        assert detail["opt_outs"] == []  # looking at the page changes nothing

        tampered = await browser.post(link[:-3] + "xyz", content="List-Unsubscribe=One-Click")
        assert tampered.status_code == 404

        # What a mail client does for RFC 8058 one-click: POST with this exact body.
        clicked = await browser.post(
            link,
            content="List-Unsubscribe=One-Click",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert clicked.status_code == 200
    detail = (await api.get(f"/api/candidates/{candidate['id']}")).json()
    assert detail["opt_outs"] == ["email"]
    assert detail["stage"] == "nurturing"


async def test_met_in_person_warms_the_relationship_and_plans_a_thank_you(
    api: httpx.AsyncClient,
) -> None:
    body = enrolment(
        postal_address="Hauptstr. 1\n10115 Berlin",
        relationship={"origin": "referral", "rapport": "cold", "owner": "sam.lee@example.com"},
    )
    candidate = (await api.post("/api/candidates", json=body)).json()
    today = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400))
    response = await api.post(
        f"/api/candidates/{candidate['id']}/interactions",
        json={
            "type": "met_in_person",
            "event": "Berlin Buzzwords",
            "date": today,
            "rapport": "strong",
            "met_by": "kim.park@example.com",
        },
    )
    assert response.status_code == 201, response.text
    detail = (await api.get(f"/api/candidates/{candidate['id']}")).json()
    assert detail["relationship"]["rapport"] == "strong"
    assert detail["relationship"]["origin"] == "in_person_event"

    async def thank_you() -> dict[str, Any] | None:
        plan = await api.get(f"/api/candidates/{candidate['id']}/plan", params={"days": 20})
        items = [i for i in plan.json()["items"] if i["occasion"] == "event_follow_up"]
        return items[0] if items else None

    planned = await eventually(thank_you)
    assert (planned["channel"], planned["status"]) == ("handwritten_note", "assisted")
    assert planned["sender"] == "kim.park@example.com"

    future = await api.post(
        f"/api/candidates/{candidate['id']}/interactions",
        json={"type": "met_in_person", "event": "x", "date": "2999-01-01", "rapport": "warm"},
    )
    assert future.status_code == 422
    assert future.json()["detail"][0]["field"].endswith("date")
    unknown = await api.post(
        f"/api/candidates/{candidate['id']}/interactions", json={"type": "telepathy"}
    )
    assert unknown.status_code == 422


async def test_replies_change_the_course(api: httpx.AsyncClient) -> None:
    interested = (await api.post("/api/candidates", json=enrolment())).json()
    response = await api.post(
        f"/api/candidates/{interested['id']}/interactions",
        json={"type": "replied", "sentiment": "interested", "channel": "email"},
    )
    assert response.status_code == 201
    assert response.json()["stage"] == "engaged"

    async def handed_over() -> list[dict[str, Any]]:
        tasks = (await api.get("/api/tasks", params={"owner": "sam.lee@example.com"})).json()
        return [t for t in tasks["items"] if t["candidate_id"] == interested["id"]]

    tasks = await eventually(handed_over)
    assert tasks[0]["status"] == "open"
    detail = (await api.get(f"/api/candidates/{interested['id']}")).json()
    assert (detail["stage"], detail["next_touch"]) == ("engaged", None)
    assert (await api.get(f"/api/candidates/{interested['id']}/plan")).json()["items"] == []

    declined = (await api.post("/api/candidates", json=enrolment())).json()
    await api.post(
        f"/api/candidates/{declined['id']}/interactions",
        json={"type": "replied", "sentiment": "not_interested"},
    )
    detail = (await api.get(f"/api/candidates/{declined['id']}")).json()
    assert detail["greetings_only"] is True

    async def greetings_only() -> bool:
        items = (await api.get(f"/api/candidates/{declined['id']}/plan")).json()["items"]
        return bool(items) and {i["occasion"] for i in items} <= {"birthday", "work_anniversary"}

    await eventually(greetings_only)


async def test_opt_out_per_channel_then_totally(
    api: httpx.AsyncClient, stack: RunningStack
) -> None:
    candidate = (await api.post("/api/candidates", json=enrolment())).json()
    partial = await api.post(
        f"/api/candidates/{candidate['id']}/opt-out", json={"channels": ["email"]}
    )
    assert partial.status_code == 200
    assert partial.json()["opt_outs"] == ["email"]

    async def no_email() -> bool:
        items = (await api.get(f"/api/candidates/{candidate['id']}/plan")).json()["items"]
        return bool(items) and all(item["channel"] != "email" for item in items)

    await eventually(no_email)

    bad = await api.post(f"/api/candidates/{candidate['id']}/opt-out", json={"channels": ["fax"]})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"].startswith("channels")

    total = await api.post(f"/api/candidates/{candidate['id']}/opt-out", json={})
    assert total.status_code == 200
    assert total.json()["stage"] == "opted_out"
    assert total.json()["next_touch"] is None
    temporal = await Client.connect(stack.temporal_address)
    handle = temporal.get_workflow_handle(candidate["workflow_id"])

    async def ended() -> bool:
        return (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED

    await eventually(ended)


async def test_invitation_and_stages(api: httpx.AsyncClient) -> None:
    # Night where they live, whatever the hour here: the invitation waits for the morning's
    # window, so the pause below finds it pending (in an open window it would go at once).
    zone, _ = zone_in_send_window(inside=False)
    candidate = (await api.post("/api/candidates", json=enrolment(timezone=zone))).json()
    invited = await api.post(
        f"/api/candidates/{candidate['id']}/invitations",
        json={
            "kind": "webinar",
            "sender_role": "marketing",
            "title": "Data mesh in practice",
            "url": "https://events.example.com/mesh",
            "starts_at": in_days(60),
        },
    )
    assert invited.status_code == 201, invited.text

    async def planned() -> bool:
        items = (await api.get(f"/api/candidates/{candidate['id']}/plan")).json()["items"]
        return any(item["occasion"] == "invitation" for item in items)

    await eventually(planned)
    bad = await api.post(f"/api/candidates/{candidate['id']}/invitations", json={"kind": "party"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "kind"
    # An event that has begun, or a time without its UTC offset, is refused by name.
    for starts_at in (in_days(-1), "2031-02-10T17:00:00"):
        late = await api.post(
            f"/api/candidates/{candidate['id']}/invitations",
            json={"kind": "webinar", "title": "Mesh", "starts_at": starts_at},
        )
        assert late.status_code == 422 and late.json()["detail"][0]["field"] == "starts_at"

    paused = await api.post(f"/api/candidates/{candidate['id']}/stage", json={"stage": "paused"})
    assert paused.json()["stage"] == "paused"

    async def quiet() -> bool:
        items: list[Any] = (await api.get(f"/api/candidates/{candidate['id']}/plan")).json()[
            "items"
        ]
        return not items

    await eventually(quiet)
    resumed = await api.post(
        f"/api/candidates/{candidate['id']}/stage", json={"stage": "nurturing"}
    )
    assert resumed.json()["stage"] == "nurturing"
    # A pause drops what was pending (an invitation is for its moment): recorded, not lost.
    touches = (await api.get(f"/api/candidates/{candidate['id']}/touches")).json()["items"]
    assert [(t["occasion"], t["status"], t["reason"]) for t in touches] == [
        ("invitation", "skipped", "candidate is paused")
    ]

    async def planned_again() -> bool:
        items = (await api.get(f"/api/candidates/{candidate['id']}/plan")).json()["items"]
        return bool(items)

    await eventually(planned_again)
    hired = await api.post(f"/api/candidates/{candidate['id']}/stage", json={"stage": "hired"})
    assert hired.json()["stage"] == "hired"
    late = await api.post(f"/api/candidates/{candidate['id']}/stage", json={"stage": "paused"})
    assert late.status_code == 409


async def test_erasure_deletes_personal_data_and_ends_the_workflow(
    api: httpx.AsyncClient, stack: RunningStack, database_url: str
) -> None:
    body = enrolment()
    candidate = (await api.post("/api/candidates", json=body)).json()
    await api.post(
        f"/api/candidates/{candidate['id']}/interactions",
        json={"type": "replied", "sentiment": "not_now"},
    )
    response = await api.delete(f"/api/candidates/{candidate['id']}")
    assert response.status_code == 204
    assert (await api.get(f"/api/candidates/{candidate['id']}")).status_code == 404
    assert (await api.delete(f"/api/candidates/{candidate['id']}")).status_code == 404

    plain = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(plain) as connection:
        for table in ("candidates", "touches", "tasks", "interactions", "invitations"):
            column = "id" if table == "candidates" else "candidate_id"
            rows = connection.execute(
                f"select count(*) from {table} where {column} = %s", (candidate["id"],)
            ).fetchone()
            assert rows == (0,), table
        audit = connection.execute(
            "select touches from erasures where candidate_id = %s", (candidate["id"],)
        ).fetchall()
        assert audit == [(0,)]
        leaked = connection.execute(
            "select count(*) from candidates where email = %s or full_name = %s",
            (body["email"], body["full_name"]),
        ).fetchone()
        assert leaked == (0,)

    temporal = await Client.connect(stack.temporal_address)
    description = await temporal.get_workflow_handle(candidate["workflow_id"]).describe()
    assert description.status == WorkflowExecutionStatus.TERMINATED
    again = await api.post("/api/candidates", json=body)
    assert again.status_code == 201 and again.json()["id"] != candidate["id"]
