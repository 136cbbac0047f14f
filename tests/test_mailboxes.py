"""Connected mailboxes through the dev stack's API, read from a real dovecot (harness.imap):
admins only, the secret write-only and sealed at rest and absent from Temporal, bad input
named by field, a failing login visible to operators (row, ops route, search attribute) and
fixed by a new secret, XOAUTH2, and deleting one ending its reading."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client, WorkflowExecutionStatus

from harness.api_helpers import eventually
from harness.imap import ImapServer
from harness.stack import RunningStack
from rapport.codec import EncryptionCodec
from rapport.db.repositories import mailboxes as mailbox_repo

from .history import decoded_bytes, raw_bytes
from .test_mailbox_reader import PASSWORD, TOKEN, USER, imap

__all__ = ["imap"]  # the fixture

# The reader's tests' dovecot: one user, by password or by access token.
HR_USER, OWNER_USER = USER, USER


def body(imap: ImapServer, **changes: Any) -> dict[str, Any]:
    """A mailbox on a folder of its own, holding one message (a folder exists once it has)."""
    folder = f"F{uuid.uuid4().hex[:10]}"
    user = changes.get("username", HR_USER)
    imap.deliver(user, f"From: a@example.com\r\nSubject: {folder}\r\n\r\nhi\r\n".encode(), folder)
    values: dict[str, Any] = {
        "name": "HR shared inbox",
        "host": imap.host,
        "port": imap.port,
        "security": "none",
        "username": HR_USER,
        "login_method": "password",
        "secret": PASSWORD,
        "folder": folder,
    }
    return values | changes


async def connect(api: httpx.AsyncClient, values: dict[str, Any]) -> dict[str, Any]:
    created = await api.post("/api/mailboxes", json=values)
    assert created.status_code == 201, created.text
    answer: dict[str, Any] = created.json()
    return answer


async def read_once(api: httpx.AsyncClient, mailbox: dict[str, Any], health: str = "ok") -> Any:
    async def done() -> dict[str, Any] | None:
        found: dict[str, Any] = (await api.get(f"/api/mailboxes/{mailbox['id']}")).json()
        return found if found["health"] == health else None

    async def show() -> Any:
        return (await api.get(f"/api/mailboxes/{mailbox['id']}")).json()

    return await eventually(done, show=show)


async def role_key(api: httpx.AsyncClient, role: str) -> dict[str, str]:
    made = await api.post(
        "/api/keys", json={"name": f"{role} {uuid.uuid4().hex[:6]}", "role": role}
        | ({"owner": "sam.lee@example.com"} if role == "owner" else {}),
    )  # fmt: skip
    assert made.status_code == 201, made.text
    return {"Authorization": f"Bearer {made.json()['key']}"}


async def test_only_admins_manage_mailboxes(
    api: httpx.AsyncClient, stack: RunningStack, imap: ImapServer
) -> None:
    for role in ("hr", "owner", "viewer"):
        headers = await role_key(api, role)
        async with httpx.AsyncClient(base_url=stack.api_url, headers=headers) as other:
            assert (await other.get("/api/mailboxes")).status_code == 403
            assert (await other.post("/api/mailboxes", json=body(imap))).status_code == 403
            missing = f"/api/mailboxes/{uuid.uuid4()}"
            assert (await other.delete(missing)).status_code == 403
            assert (await other.patch(missing, json={"enabled": False})).status_code == 403
            health = await other.get("/api/ops/mailboxes")
            assert health.status_code == (403 if role == "owner" else 200)
    async with httpx.AsyncClient(base_url=stack.api_url) as anonymous:
        assert (await anonymous.get("/api/mailboxes")).status_code == 401


async def test_the_secret_is_write_only_sealed_and_never_in_temporal(
    api: httpx.AsyncClient,
    stack: RunningStack,
    imap: ImapServer,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    mailbox = await connect(api, body(imap))
    assert mailbox["has_secret"] is True and mailbox["workflow_id"] == f"mailbox-{mailbox['id']}"
    read = await read_once(api, mailbox)
    listed = await api.get("/api/mailboxes")
    for answer in (str(mailbox), str(read), listed.text):
        assert PASSWORD not in answer and "secret" not in answer.replace("has_secret", "")
    async with sessions() as session:
        row = await mailbox_repo.get_mailbox(session, uuid.UUID(mailbox["id"]))
    assert row is not None and PASSWORD not in row.secret_sealed and PASSWORD not in repr(row)
    codec = EncryptionCodec.from_setting((stack.data_dir / "encryption.keys").read_text().strip())
    client = await Client.connect(stack.temporal_address)
    history = await client.get_workflow_handle(mailbox["workflow_id"]).fetch_history()
    for seen in (raw_bytes(history), await decoded_bytes(history, codec)):
        for value in (PASSWORD, HR_USER, imap.host + ":", mailbox["folder"]):
            assert value.encode() not in seen, value
    assert mailbox["id"].encode() in await decoded_bytes(history, codec)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"port": 0}, "port"),
        ({"security": "none", "host": "imap.gmail.com"}, "security"),
        ({"security": "tls13"}, "security"),
        ({"login_method": "kerberos"}, "login_method"),
        ({"secret": ""}, "secret"),
        ({"host": "imap gmail com"}, "host"),
        ({"owner": "nobody.here@example.com"}, "owner"),
        ({"folder": "IN\nBOX"}, "folder"),
        ({"password": "x"}, "password"),
    ],
)
async def test_bad_input_is_refused_naming_the_field(
    api: httpx.AsyncClient, imap: ImapServer, changes: dict[str, Any], field: str
) -> None:
    values = body(imap, **changes)
    refused = await api.post("/api/mailboxes", json=values)
    assert refused.status_code == 422, refused.text
    assert field in [problem["field"] for problem in refused.json()["detail"]]
    assert PASSWORD not in refused.text
    listed = (await api.get("/api/mailboxes")).json()["items"]
    assert values["folder"] not in [item["folder"] for item in listed]  # nothing half-written


async def test_the_same_folder_twice_is_a_conflict(
    api: httpx.AsyncClient, imap: ImapServer
) -> None:
    values = body(imap)
    first = await connect(api, values)
    again = await api.post("/api/mailboxes", json=values)
    assert again.status_code == 409, again.text
    assert (await api.delete(f"/api/mailboxes/{first['id']}")).status_code == 204


async def test_a_failing_login_is_visible_to_operators_until_fixed(
    api: httpx.AsyncClient, stack: RunningStack, imap: ImapServer
) -> None:
    mailbox = await connect(api, body(imap, secret="not-the-password"))
    failing = await read_once(api, mailbox, "login_failed")
    assert failing["consecutive_failures"] >= 1 and "login refused" in failing["last_error"]
    ops = (await api.get("/api/ops/mailboxes")).json()
    row = next(item for item in ops["items"] if item["id"] == mailbox["id"])
    assert row["health"] == "login_failed" and row["last_error"]
    client = await Client.connect(stack.temporal_address)
    query = f"{ops['query']} AND WorkflowId = '{mailbox['workflow_id']}'"

    async def found() -> list[str]:
        return [execution.id async for execution in client.list_workflows(query)]

    assert await eventually(found) == [mailbox["workflow_id"]]
    # The fix: a new secret. Reading resumes (within its back-off) and the health is ok again.
    fixed = await api.patch(f"/api/mailboxes/{mailbox['id']}", json={"secret": PASSWORD})
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["consecutive_failures"] == 0
    healthy = await read_once(api, mailbox)
    assert healthy["last_error"] is None and healthy["last_read_at"]


async def test_xoauth2_logs_in_with_an_access_token(
    api: httpx.AsyncClient, imap: ImapServer
) -> None:
    values = body(imap, username=OWNER_USER, login_method="xoauth2", secret=TOKEN)
    mailbox = await read_once(api, await connect(api, values))
    assert mailbox["position"]["last_uid"] == 1 and mailbox["position"]["uidvalidity"] > 0


async def test_deleting_a_mailbox_ends_its_reading(
    api: httpx.AsyncClient, stack: RunningStack, imap: ImapServer
) -> None:
    mailbox = await connect(api, body(imap))
    await read_once(api, mailbox)
    assert (await api.delete(f"/api/mailboxes/{mailbox['id']}")).status_code == 204
    assert (await api.get(f"/api/mailboxes/{mailbox['id']}")).status_code == 404
    assert (await api.delete(f"/api/mailboxes/{mailbox['id']}")).status_code == 404
    client = await Client.connect(stack.temporal_address)
    described = await client.get_workflow_handle(mailbox["workflow_id"]).describe()
    assert described.status == WorkflowExecutionStatus.TERMINATED
