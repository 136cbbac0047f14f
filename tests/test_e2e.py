"""End to end with every real part, as `make dev` runs them: enrol over HTTP, get the email."""

from __future__ import annotations

import asyncio
import time
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from temporalio.client import Client, WorkflowExecutionStatus

from harness.api_helpers import birthday_on, days_ahead, enrolment, zone_in_send_window
from harness.stack import AUTH, RunningStack, launch, stop_stack
from rapport import search_attributes as sa
from rapport.codec import EncryptionCodec
from rapport.mailbox import read_mailbox

from .history import decoded_bytes, payloads_in, raw_bytes, sdk_bookkeeping


def mail_to(directory: Path, to: str) -> EmailMessage | None:
    if not directory.exists():
        return None
    return next((message for message in read_mailbox(directory) if message["To"] == to), None)


async def wait_for_mail(directory: Path, to: str, within: float = 30.0) -> EmailMessage:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        message = await asyncio.to_thread(mail_to, directory, to)
        if message is not None:
            return message
        await asyncio.sleep(0.2)
    raise AssertionError(f"no email to {to} within {within}s")


async def test_birthday_today_is_greeted_by_email(
    stack: RunningStack, api: httpx.AsyncClient
) -> None:
    zone, local_now = zone_in_send_window()
    body = enrolment(
        timezone=zone,
        birthday=birthday_on(local_now.date()),
        full_name="Oluwaseun Achterberg",
        job_started_on=None,
    )
    listed = await api.post("/api/people", json={"email": "sam.lee@example.com", "name": "Sam Lee"})
    assert listed.status_code in (200, 201), listed.text
    response = await api.post("/api/candidates", json=body)
    assert response.status_code == 201, response.text
    candidate = response.json()

    message = await wait_for_mail(stack.mail_dir, body["email"])
    assert message["Subject"] == "Happy birthday, Oluwaseun!"
    text = message.get_content()
    assert "Hi Oluwaseun," in text
    assert "/unsubscribe/" in text
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Reply-To"] == "Sam Lee <sam.lee@example.com>"
    assert "Sam Lee" in text  # the relationship owner signs it, as the directory names him
    assert message["From"].startswith("Sam Lee via ")

    touches = (await api.get(f"/api/candidates/{candidate['id']}/touches")).json()["items"]
    assert len(touches) == 1
    touch = touches[0]
    assert (touch["occasion"], touch["channel"], touch["status"]) == ("birthday", "email", "sent")
    assert touch["sender_role"] == "employee"
    assert touch["sent_at"] is not None

    # Today's birthday is done: the next touch is a later one, and the workflow says so.
    detail = (await api.get(f"/api/candidates/{candidate['id']}", params={"live": "true"})).json()
    assert detail["status_source"] == "workflow"
    next_occasion = detail["next_touch"]["occasion"]
    assert detail["next_touch"]["due_at"] > touch["sent_at"]
    plan = (await api.get(f"/api/candidates/{candidate['id']}/plan")).json()["items"]
    birthdays = [item["due_at"] for item in plan if item["occasion"] == "birthday"]
    assert all(due[:4] == str(local_now.year + 1) for due in birthdays)

    temporal = await Client.connect(stack.temporal_address)
    query = (
        f"WorkflowId = '{candidate['workflow_id']}' AND CandidateStage = 'nurturing' "
        f"AND NextOccasion = '{next_occasion}' AND RelationshipOwner = 'sam.lee@example.com'"
    )
    found = []
    for _ in range(50):
        found = [execution async for execution in temporal.list_workflows(query)]
        if found:
            break
        await asyncio.sleep(0.2)
    assert len(found) == 1, "the workflow is not visible with its search attributes"
    attributes = found[0].typed_search_attributes
    assert attributes.get(sa.NEXT_TOUCH_AT) is not None

    handle = temporal.get_workflow_handle(candidate["workflow_id"])
    description = await handle.describe()
    assert description.status == WorkflowExecutionStatus.RUNNING
    history = await handle.fetch_history()
    raw = raw_bytes(history)
    # Encrypted at rest: the candidate's id is in the workflow id, but no payload is plain.
    payloads = [payload for event in history.events for payload in payloads_in(event)]
    assert payloads
    # Search attributes stay plain on purpose (the server indexes them): ids and stages only.
    bookkeeping = {
        p.SerializeToString() for event in history.events for p in sdk_bookkeeping(event)
    }
    plain_payloads = [
        p
        for p in payloads
        if p.metadata.get("encoding") != b"binary/encrypted"
        and "type" not in p.metadata
        and p.SerializeToString() not in bookkeeping
    ]
    assert not plain_payloads, plain_payloads[:3]
    codec = EncryptionCodec.from_setting((stack.data_dir / "encryption.keys").read_text())
    plain = await decoded_bytes(history, codec)
    assert candidate["id"].encode() in plain  # decoded, the scan does see the payloads
    for personal in (body["full_name"], body["email"], "Oluwaseun", "Achterberg", "1990"):
        assert personal.encode() not in raw, f"{personal!r} in the stored history"
        assert personal.encode() not in plain, f"{personal!r} leaked into a payload"
    timer_summaries = [
        event.user_metadata.summary
        for event in history.events
        if event.HasField("timer_started_event_attributes")
    ]
    assert timer_summaries, "the workflow should be asleep on a timer"


async def test_stack_stops_cleanly_and_resumes_with_the_same_workflows(
    stack: RunningStack, api: httpx.AsyncClient
) -> None:
    # Weeks away: not greeted between the two looks at the next touch.
    birthday = f"{days_ahead(20):%m-%d}"
    created = (await api.post("/api/candidates", json=enrolment(birthday=birthday))).json()
    before = (await api.get(f"/api/candidates/{created['id']}")).json()
    children_log = (stack.data_dir / "logs").iterdir()
    assert {path.name for path in children_log} >= {"temporal.log", "worker.log", "api.log"}

    assert await asyncio.to_thread(stop_stack, stack) == 0
    with pytest.raises(httpx.HTTPError):
        await api.get("/healthz", timeout=2)

    restarted = await asyncio.to_thread(launch, stack.data_dir, stack.env)
    stack.process = restarted.process
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30, headers=AUTH) as again:
        after = (
            await again.get(f"/api/candidates/{created['id']}", params={"live": "true"})
        ).json()
    assert after["status_source"] == "workflow"
    assert after["next_touch"] == before["next_touch"]
    temporal = await Client.connect(stack.temporal_address)
    description = await temporal.get_workflow_handle(created["workflow_id"]).describe()
    assert description.status == WorkflowExecutionStatus.RUNNING
