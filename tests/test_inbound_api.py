"""What comes back, end to end on the dev stack: corpus messages (tests/inbound_corpus) adapted
to point at touches the real send activity made, posted to `POST /api/inbound/email`, and
each effect checked through the API: a reply holds the candidate and opens the owner's task,
an out-of-office changes nothing, a hard bounce moves the next touch to LinkedIn, a complaint
opts out of email, an unmatched message waits for review, a message posted twice acts once,
and classifying a reply drives the lifecycle."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx

from harness.api_helpers import birthday_on, enrolment, eventually, zone_in_send_window
from harness.stack import RunningStack
from rapport.inbound import MAX_MESSAGE_BYTES
from rapport.mailbox import read_mailbox

CORPUS = Path(__file__).parent / "inbound_corpus"
RFC822 = {"content-type": "message/rfc822"}
# Rapport's own Message-IDs and VERP tokens in the corpus (they name acme.example's touches).
_OWN_DIGEST = re.compile(rb"(?<=<)[0-9a-f]{32}(?=@acme\.example>)|(?<=bounces\+)[0-9a-f]{32}")
_OWN_ID = re.compile(rb"^(Message-I[Dd]): <[^>]+>", re.MULTILINE)


def adapt(name: str, *, address: tuple[str, str] | None = None, digest: str | None = None) -> bytes:
    """A corpus message made to answer a real touch: Rapport's Message-IDs in it replaced by
    the touch's digest, `address` (old, new) swapped, and an id of its own."""
    raw = (CORPUS / name).read_bytes()
    if digest is not None:
        raw = _OWN_DIGEST.sub(digest.encode(), raw)
    if address is not None:
        raw = raw.replace(address[0].encode(), address[1].encode())
    unique = f"<{uuid.uuid4().hex}@test.example>".encode()
    return _OWN_ID.sub(rb"\1: " + unique, raw, count=1)


async def greeted_today(api: httpx.AsyncClient, stack: RunningStack, **overrides: Any) -> tuple[
    dict[str, Any], str
]:  # fmt: skip
    """A candidate whose birthday is today, once the birthday email went out: (candidate, the
    digest of that email's Message-ID)."""
    zone, local_now = zone_in_send_window()
    body = enrolment(timezone=zone, birthday=birthday_on(local_now.date()), **overrides)
    created = await api.post("/api/candidates", json=body)
    assert created.status_code == 201, created.text

    def sent() -> EmailMessage | None:
        if not stack.mail_dir.exists():
            return None
        return next((m for m in read_mailbox(stack.mail_dir) if m["To"] == body["email"]), None)

    async def arrived() -> EmailMessage | None:
        return await asyncio.to_thread(sent)

    message: EmailMessage = await eventually(arrived)
    digest = str(message["Message-ID"])[1:33]
    touches = (await api.get(f"/api/candidates/{created.json()['id']}/touches")).json()["items"]
    assert [t["status"] for t in touches] == ["sent"]
    return created.json() | {"email": body["email"]}, digest


async def post(api: httpx.AsyncClient, raw: bytes, expected: int = 202) -> dict[str, Any]:
    answer = await api.post("/api/inbound/email", content=raw, headers=RFC822)
    assert answer.status_code == expected, answer.text
    result: dict[str, Any] = answer.json()
    return result


async def plan(api: httpx.AsyncClient, candidate: dict[str, Any], days: int = 365) -> list[Any]:
    response = await api.get(f"/api/candidates/{candidate['id']}/plan", params={"days": days})
    items: list[Any] = response.json()["items"]
    return items


async def inbound_row(api: httpx.AsyncClient, inbound_id: str, **params: str) -> dict[str, Any]:
    items = (await api.get("/api/inbound", params={"limit": 200, **params})).json()["items"]
    return next(item for item in items if item["id"] == inbound_id)


async def test_a_reply_holds_every_touch_and_asks_its_owner(
    api: httpx.AsyncClient, stack: RunningStack
) -> None:
    candidate, digest = await greeted_today(api, stack)
    assert await plan(api, candidate), "a greeted candidate has touches ahead"
    raw = adapt(
        "gmail_reply.eml", digest=digest, address=("jonas.meyer@gmail.com", candidate["email"])
    )
    result = await post(api, raw)
    assert (result["kind"], result["status"]) == ("reply", "processed")
    assert result["candidate_id"] == candidate["id"] and result["touch_id"]
    assert result["notices"] == ["replied"]

    async def held() -> bool:
        return await plan(api, candidate, days=800) == []

    await eventually(held)
    detail = (await api.get(f"/api/candidates/{candidate['id']}")).json()
    assert detail["next_touch"] is None and detail["stage"] == "nurturing"
    assert detail["email_status"] == "deliverable"
    tasks = await api.get("/api/tasks", params={"owner": "sam.lee@example.com", "limit": 500})
    mine = [t for t in tasks.json()["items"] if t["candidate_id"] == candidate["id"]]
    assert [(t["kind"], t["status"]) for t in mine] == [("classify_reply", "open")]
    assert "could we talk next Thursday afternoon?" in mine[0]["draft"]
    assert "a real milestone" not in mine[0]["draft"]  # the quoted history
    assert mine[0]["link"] == detail["linkedin_url"]
    row = await inbound_row(api, result["id"], kind="reply")
    assert row["touch"]["occasion"] == "birthday" and row["matched_by"] == "touch"
    assert "could we talk" in row["reply_text"] and row["task_id"] == mine[0]["id"]

    # The same message again (a webhook retried): one row, one task, one effect.
    again = await post(api, raw, expected=200)
    assert (again["status"], again["id"], again["notices"]) == ("duplicate", result["id"], [])
    tasks = await api.get("/api/tasks", params={"owner": "sam.lee@example.com", "limit": 500})
    assert len([t for t in tasks.json()["items"] if t["candidate_id"] == candidate["id"]]) == 1
    refused = await api.post(f"/api/tasks/{mine[0]['id']}/complete", json={"outcome": "sent"})
    assert refused.status_code == 409 and result["id"] in refused.text

    # Classified interested: a person takes over, and the task is done.
    classified = await api.post(
        f"/api/inbound/{result['id']}/classify", json={"sentiment": "interested"}
    )
    assert classified.status_code == 200, classified.text
    assert classified.json()["sentiment"] == "interested"
    assert (await api.get(f"/api/candidates/{candidate['id']}")).json()["stage"] == "engaged"
    tasks = await api.get("/api/tasks", params={"owner": "sam.lee@example.com", "limit": 500})
    statuses = {
        t["kind"]: t["status"]
        for t in tasks.json()["items"]
        if t["candidate_id"] == candidate["id"]
    }
    assert statuses["classify_reply"] == "done"
    twice = await api.post(f"/api/inbound/{result['id']}/classify", json={"sentiment": "not_now"})
    assert twice.status_code == 409


async def test_not_now_resumes_on_its_date_and_a_stop_request_opts_out_of_email(
    api: httpx.AsyncClient,
) -> None:
    # Matched by the sender's address alone: no touch of Rapport's in the thread.
    body = enrolment()
    candidate = (await api.post("/api/candidates", json=body)).json()
    raw = adapt("outlook_reply_de.eml", address=("jonas.mueller@example.de", body["email"]))
    result = await post(api, raw)
    assert (result["kind"], result["touch_id"]) == ("reply", None)
    assert result["notices"] == ["opted_out", "replied"]
    row = await inbound_row(api, result["id"])
    assert row["matched_by"] == "address" and "opted out of email" in row["effect"]
    detail = (await api.get(f"/api/candidates/{candidate['id']}")).json()
    assert detail["opt_outs"] == ["email"]
    tasks = await api.get("/api/tasks", params={"owner": "sam.lee@example.com", "limit": 500})
    [task] = [t for t in tasks.json()["items"] if t["candidate_id"] == candidate["id"]]
    assert "keine E-Mails mehr" in task["draft"] and "email is opted out" in task["draft"]
    await eventually(lambda: _empty(api, candidate))

    resume = (datetime.now(UTC) + timedelta(days=400)).date()
    classified = await api.post(
        f"/api/inbound/{result['id']}/classify",
        json={"sentiment": "not_now", "resume_on": resume.isoformat()},
    )
    assert classified.status_code == 200, classified.text

    async def resumed() -> list[Any]:
        return await plan(api, candidate, days=900)

    items = await eventually(resumed)
    assert all(item["due_at"][:10] >= resume.isoformat() for item in items)
    assert all(item["channel"] != "email" for item in items)


async def _empty(api: httpx.AsyncClient, candidate: dict[str, Any]) -> bool:
    return await plan(api, candidate, days=800) == []


async def test_not_interested_leaves_greetings_only(api: httpx.AsyncClient) -> None:
    body = enrolment()
    candidate = (await api.post("/api/candidates", json=body)).json()
    raw = adapt("apple_mail_reply.eml", address=("lena.fischer@icloud.com", body["email"]))
    result = await post(api, raw)
    await eventually(lambda: _empty(api, candidate))
    classified = await api.post(
        f"/api/inbound/{result['id']}/classify", json={"sentiment": "not_interested"}
    )
    assert classified.status_code == 200, classified.text

    async def greetings() -> list[Any]:
        return await plan(api, candidate, days=800)

    items = await eventually(greetings)
    assert {item["occasion"] for item in items} <= {"birthday", "work_anniversary"}
    assert (await api.get(f"/api/candidates/{candidate['id']}")).json()["greetings_only"]


async def test_an_out_of_office_in_german_changes_nothing(
    api: httpx.AsyncClient, stack: RunningStack
) -> None:
    candidate, digest = await greeted_today(api, stack)
    before = await plan(api, candidate)
    raw = adapt(
        "ooo_exchange_de.eml",
        digest=digest,
        address=("katrin.schulz@beispiel-ag.de", candidate["email"]),
    )
    result = await post(api, raw)
    assert (result["kind"], result["status"], result["touch_id"]) == (
        "auto_reply", "processed", result["touch_id"],
    )  # fmt: skip
    assert result["touch_id"] and result["notices"] == ["auto_replied"]
    await asyncio.sleep(1)  # the signal has had time to act, if it were to
    assert await plan(api, candidate) == before
    detail = (await api.get(f"/api/candidates/{candidate['id']}")).json()
    assert (detail["stage"], detail["opt_outs"]) == ("nurturing", [])
    tasks = await api.get("/api/tasks", params={"owner": "sam.lee@example.com", "limit": 500})
    assert all(t["candidate_id"] != candidate["id"] for t in tasks.json()["items"])
    # A second out-of-office for the same touch forgives nothing more.
    second = await post(api, adapt("ooo_exchange_de.eml", digest=digest))
    assert second["notices"] == []


async def test_a_hard_bounce_moves_the_next_touch_to_linkedin(
    api: httpx.AsyncClient, stack: RunningStack
) -> None:
    candidate, digest = await greeted_today(api, stack)
    address = ("lukas.weber@old-employer.example", candidate["email"])
    result = await post(api, adapt("postfix_dsn_511.eml", digest=digest, address=address))
    assert (result["kind"], result["status"]) == ("bounce", "processed")
    assert result["touch_id"] and result["notices"] == ["profile_updated"]
    detail = (await api.get(f"/api/candidates/{candidate['id']}")).json()
    assert detail["email_status"] == "bounced" and "5.1.1" in detail["email_status_reason"]
    touches = (await api.get(f"/api/candidates/{candidate['id']}/touches")).json()["items"]
    assert touches[0]["status"] == "failed" and "5.1.1" in touches[0]["reason"]

    async def off_email() -> list[Any]:
        items = await plan(api, candidate)
        return items if items and all(i["channel"] != "email" for i in items) else []

    items = await eventually(off_email)
    assert items[0]["channel"] in ("linkedin_message", "linkedin_post")
    listed = await api.get("/api/candidates", params={"email_status": "bounced", "limit": 200})
    assert candidate["id"] in [item["id"] for item in listed.json()["items"]]

    # HR corrects the address: it starts afresh, and email is allowed again.
    fixed = await api.patch(
        f"/api/candidates/{candidate['id']}", json={"email": f"new.{candidate['email']}"}
    )
    assert fixed.status_code == 200, fixed.text
    assert (fixed.json()["email_status"], fixed.json()["soft_bounces"]) == ("unknown", 0)


async def test_a_complaint_opts_out_of_email(api: httpx.AsyncClient, stack: RunningStack) -> None:
    candidate, digest = await greeted_today(api, stack)
    raw = adapt(
        "yahoo_arf.eml", digest=digest, address=("emma.clarke@yahoo.com", candidate["email"])
    )
    result = await post(api, raw)
    assert (result["kind"], result["status"], result["notices"]) == (
        "complaint", "processed", ["opted_out"],
    )  # fmt: skip
    detail = (await api.get(f"/api/candidates/{candidate['id']}")).json()
    assert (detail["email_status"], detail["opt_outs"]) == ("complained", ["email"])

    async def off_email() -> list[Any]:
        items = await plan(api, candidate)
        return items if items and all(i["channel"] != "email" for i in items) else []

    await eventually(off_email)


async def test_an_unmatched_message_is_kept_for_review(api: httpx.AsyncClient) -> None:
    result = await post(api, adapt("stranger.eml"))
    assert (result["kind"], result["status"], result["candidate_id"]) == (
        "unmatched", "unmatched", None,
    )  # fmt: skip
    row = await inbound_row(api, result["id"], status="unmatched")
    assert row["candidate"] is None and "Android" in row["subject"]


async def test_the_endpoint_refuses_what_is_no_message(
    api: httpx.AsyncClient, stack: RunningStack
) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as anonymous:
        raw = adapt("stranger.eml")
        wrong = await anonymous.post(
            "/api/inbound/email", content=raw, headers={**RFC822, "Authorization": "Bearer rpk_x"}
        )
        assert wrong.status_code == 401
    not_a_message = await api.post("/api/inbound/email", content=b"hello, world", headers=RFC822)
    assert not_a_message.status_code == 422, not_a_message.text
    assert not_a_message.json()["detail"][0]["field"] == "body"
    huge = b"Subject: big\r\n\r\n" + b"x" * (MAX_MESSAGE_BYTES + 1)
    assert (await api.post("/api/inbound/email", content=huge, headers=RFC822)).status_code == 413
    as_json = await api.post("/api/inbound/email", json={"raw": "x"})
    assert as_json.status_code == 415
