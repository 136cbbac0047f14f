"""What comes back through a connected mailbox, end to end: real messages delivered into
dovecot (a reply to a sent touch's Message-ID, a German out-of-office, a DSN hard bounce, an
ARF complaint, an unmatched message), the mailbox connected through the API, the dev stack's
worker reading it, and each effect checked through the API."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from harness.api_helpers import eventually
from harness.imap import ImapServer
from harness.stack import RunningStack

from .test_inbound_api import adapt, greeted_today, plan
from .test_mailbox_reader import USER, imap
from .test_mailboxes import body, connect, read_once

__all__ = ["imap"]  # the fixture


async def from_mailbox(api: httpx.AsyncClient, candidate_id: str | None, **params: str) -> Any:
    items = (await api.get("/api/inbound", params={"limit": 200, **params})).json()["items"]
    return [
        item
        for item in items
        if item["source"] == "mailbox" and (item["candidate"] or {}).get("id", None) == candidate_id
    ]


async def off_email(api: httpx.AsyncClient, candidate: dict[str, Any]) -> list[Any]:
    items = await plan(api, candidate)
    return items if items and all(i["channel"] != "email" for i in items) else []


async def test_each_kind_read_from_the_mailbox_has_its_effect(
    api: httpx.AsyncClient, stack: RunningStack, imap: ImapServer
) -> None:
    replier, replied_to = await greeted_today(api, stack)
    away, away_digest = await greeted_today(api, stack)
    bounced, bounced_digest = await greeted_today(api, stack)
    complainer, complained_of = await greeted_today(api, stack)
    away_plan = await plan(api, away)
    values = body(imap)  # a folder of its own, holding one unmatched message already
    messages = [
        adapt("gmail_reply.eml", digest=replied_to,
              address=("jonas.meyer@gmail.com", replier["email"])),
        adapt("ooo_exchange_de.eml", digest=away_digest,
              address=("katrin.schulz@beispiel-ag.de", away["email"])),
        adapt("postfix_dsn_511.eml", digest=bounced_digest,
              address=("lukas.weber@old-employer.example", bounced["email"])),
        adapt("yahoo_arf.eml", digest=complained_of,
              address=("emma.clarke@yahoo.com", complainer["email"])),
        adapt("stranger.eml"),
    ]  # fmt: skip
    for raw in messages:
        imap.deliver(USER, raw, values["folder"])
    mailbox = await connect(api, values)

    async def all_read() -> Any:
        found = await read_once(api, mailbox)
        return found if found["position"]["last_uid"] == len(messages) + 1 else None

    await eventually(all_read)

    # The reply: held (no next touch), and the owner's task to classify it.
    async def held() -> bool:
        return await plan(api, replier, days=800) == []

    await eventually(held)
    [reply] = await from_mailbox(api, replier["id"], kind="reply")
    assert reply["mailbox_id"] == mailbox["id"] and reply["touch"]["occasion"] == "birthday"
    tasks = await api.get("/api/tasks", params={"owner": "sam.lee@example.com", "limit": 500})
    mine = [t for t in tasks.json()["items"] if t["candidate_id"] == replier["id"]]
    assert [(t["kind"], t["status"]) for t in mine] == [("classify_reply", "open")]
    assert "could we talk next Thursday afternoon?" in mine[0]["draft"]

    # The out-of-office changes nothing.
    [auto] = await from_mailbox(api, away["id"], kind="auto_reply")
    assert auto["status"] == "processed"
    await asyncio.sleep(1)  # the signal has had time to act, if it were to
    assert await plan(api, away) == away_plan
    detail = (await api.get(f"/api/candidates/{away['id']}")).json()
    assert (detail["stage"], detail["opt_outs"]) == ("nurturing", [])

    # The hard bounce: the address is bounced, and the next touch leaves email (LinkedIn).
    detail = (await api.get(f"/api/candidates/{bounced['id']}")).json()
    assert detail["email_status"] == "bounced" and "5.1.1" in detail["email_status_reason"]
    items = await eventually(lambda: off_email(api, bounced))
    assert items[0]["channel"] in ("linkedin_message", "linkedin_post")

    # The complaint: opted out of email.
    detail = (await api.get(f"/api/candidates/{complainer['id']}")).json()
    assert (detail["email_status"], detail["opt_outs"]) == ("complained", ["email"])
    await eventually(lambda: off_email(api, complainer))

    # Unmatched: kept for review (the folder's first message and the stranger's).
    unmatched = await from_mailbox(api, None, status="unmatched")
    mine_unmatched = [item for item in unmatched if item["mailbox_id"] == mailbox["id"]]
    assert len(mine_unmatched) == 2
    assert any("Android" in (item["subject"] or "") for item in mine_unmatched)

    # Read again from the start (the position lost): nothing acts twice.
    folder = await api.patch(f"/api/mailboxes/{mailbox['id']}", json={"folder": "INBOX"})
    assert folder.status_code == 200
    back = await api.patch(f"/api/mailboxes/{mailbox['id']}", json={"folder": values["folder"]})
    assert back.json()["position"]["last_uid"] == 0
    await eventually(all_read)
    assert len(await from_mailbox(api, replier["id"], kind="reply")) == 1
    tasks = await api.get("/api/tasks", params={"owner": "sam.lee@example.com", "limit": 500})
    assert len([t for t in tasks.json()["items"] if t["candidate_id"] == replier["id"]]) == 1
