"""HR's edits of the message templates over HTTP on the dev stack: stored with who and when,
refused (nothing stored) unless they render for everyone the template serves, previewed against
a candidate, reverted without losing the history, read by the worker at the next touch without
a restart; and who may do what.

Every test edits a template of its own and reverts it at the end: the stack is shared."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import psycopg
import pytest

from harness.api_helpers import birthday_on, enrolment, eventually, zone_in_send_window
from harness.stack import RunningStack

from .test_e2e import wait_for_mail

pytestmark = pytest.mark.e2e


async def key_for(api: httpx.AsyncClient, role: str, **extra: str) -> dict[str, str]:
    name = f"{role.title()} {uuid.uuid4().hex[:4]}"
    made = await api.post("/api/keys", json={"role": role, "name": name, **extra})
    assert made.status_code == 201, made.text
    return {"Authorization": f"Bearer {made.json()['key']}", "name": name}


@pytest.fixture
async def hr(api: httpx.AsyncClient, stack: RunningStack) -> AsyncIterator[httpx.AsyncClient]:
    """A client with an HR key; its `name` is the key's, as edits record it."""
    headers = await key_for(api, "hr")
    name = headers.pop("name")
    async with httpx.AsyncClient(base_url=stack.api_url, headers=headers, timeout=120) as client:
        client.headers["x-test-name"] = name
        yield client


async def reverted(api: httpx.AsyncClient, key: str) -> None:
    answer = await api.post(f"/api/templates/{key}/revert")
    assert answer.status_code == 200, answer.text


async def test_every_template_is_listed_by_channel_occasion_voice_and_language(
    api: httpx.AsyncClient,
) -> None:
    items = (await api.get("/api/templates")).json()["items"]
    by_key = {item["key"]: item for item in items}
    assert by_key["email/birthday.ceo.de"] == {
        "key": "email/birthday.ceo.de",
        "channel": "email",
        "occasion": "birthday",
        "sender_role": "ceo",
        "sender_roles": ["ceo"],
        "language": "de",
        "edited": False,
        "edited_by": None,
        "edited_at": None,
    }
    # The generic file writes for every role without a file of its own.
    assert by_key["email/birthday"]["sender_roles"] == ["hr", "employee", "marketing"]
    assert {item["channel"] for item in items} == {
        "email", "linkedin_message", "linkedin_post", "handwritten_note",
    }  # fmt: skip
    assert not any(key.startswith(("digest/", "task/")) for key in by_key)


async def test_an_edit_is_stored_with_its_author_previewed_and_reverted(
    hr: httpx.AsyncClient,
) -> None:
    key = "linkedin_message/work_anniversary"
    before = (await hr.get(f"/api/templates/{key}")).json()
    assert before["active"] == before["default"] and before["history"] == []
    text = "Congratulations on {{ years }} years at {{ current_employer or 'your company' }}!\n"
    try:
        saved = await hr.put(f"/api/templates/{key}", json={"body": text, "comment": "shorter"})
        assert saved.status_code == 200, saved.text
        detail = saved.json()
        assert detail["active"] == text and detail["default"] == before["default"]
        assert detail["edited"] is True and detail["edited_by"] == hr.headers["x-test-name"]
        (edit,) = detail["history"]
        assert (edit["body"], edit["comment"], edit["edited_by_role"]) == (text, "shorter", "hr")
        listed = {i["key"]: i for i in (await hr.get("/api/templates")).json()["items"]}
        assert listed[key]["edited"] is True

        # The preview renders the text in force, or the text sent, and stores nothing.
        shown = (await hr.post(f"/api/templates/{key}/preview", json={})).json()
        assert shown["body"] == "Congratulations on 1 years at Globex!\n"
        typed = {"body": "{{ years }} years, {{ first_name }}!"}
        shown = (await hr.post(f"/api/templates/{key}/preview", json=typed)).json()
        assert (shown["body"], shown["subject"], shown["problem"]) == (
            "1 years, Margarethe!\n",
            None,
            None,
        )
        assert len((await hr.get(f"/api/templates/{key}")).json()["history"]) == 1

        back = (await hr.post(f"/api/templates/{key}/revert", json={"comment": "undo"})).json()
        assert back["active"] == before["default"] and back["edited"] is False
        assert [(e["reverted"], e["comment"]) for e in back["history"]] == [
            (True, "undo"),
            (False, "shorter"),
        ]
        # Reverting what is at its default already adds nothing.
        again = (await hr.post(f"/api/templates/{key}/revert")).json()
        assert len(again["history"]) == 2
    finally:
        await reverted(hr, key)


async def test_an_edit_based_on_an_older_version_is_refused_not_overwriting(
    hr: httpx.AsyncClient, api: httpx.AsyncClient
) -> None:
    key = "linkedin_message/event_follow_up"
    opened = (await hr.get(f"/api/templates/{key}")).json()
    assert opened["version"] == 0
    try:
        theirs = {"body": "Thanks for {{ event_name }}, {{ first_name }}!", "based_on": 0}
        first = await api.put(f"/api/templates/{key}", json=theirs)
        assert first.status_code == 200, first.text
        mine = {"body": "Great to meet you at {{ event_name }}!", "based_on": 0}
        late = await hr.put(f"/api/templates/{key}", json=mine)
        assert late.status_code == 409, late.text
        assert "saved a newer text" in late.json()["detail"]
        current = (await hr.get(f"/api/templates/{key}")).json()
        assert current["active"] == theirs["body"] and len(current["history"]) == 1
        again = await hr.put(f"/api/templates/{key}", json={**mine, "based_on": current["version"]})
        assert again.status_code == 200 and again.json()["active"] == mine["body"]
        assert again.json()["version"] > current["version"]
    finally:
        await reverted(api, key)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hi {{ first_name }},\n\n{{ nickname }} here\n", "line 3: 'nickname' is undefined"),
        ("Hi {{ first_name }}\n{% if %}\n", "line 2: Expected an expression"),
        ("Hi\n{{ ''.__class__ }}\n", "line 2: refused: access to attribute '__class__'"),
        ("Hi\n{{ ''.__class__.__mro__[1].__subclasses__() }}\n", "line 2: refused"),
        # Renders with full facts, not for a sender the directory does not name.
        ("Hi {{ first_name }},\n{{ sender_name.upper() }}\n", "sparse facts"),
        ("   \n", "the template is empty"),
    ],
    ids=["undefined", "syntax", "sandbox", "sandbox-escape", "sparse-facts", "empty"],
)
async def test_an_edit_that_does_not_render_is_refused_and_nothing_is_stored(
    hr: httpx.AsyncClient, text: str, expected: str
) -> None:
    key = "linkedin_message/birthday"
    refused = await hr.put(f"/api/templates/{key}", json={"body": text})
    assert refused.status_code == 422, refused.text
    (problem,) = refused.json()["detail"]
    assert problem["field"] == "body"
    assert expected in problem["message"], problem["message"]
    assert (await hr.get(f"/api/templates/{key}")).json()["history"] == []


async def test_an_email_without_its_subject_line_is_refused(hr: httpx.AsyncClient) -> None:
    refused = await hr.put("/api/templates/email/check_in", json={"body": "Hi {{ first_name }}"})
    assert refused.status_code == 422
    assert "must start with a 'Subject:' line" in refused.json()["detail"][0]["message"]
    preview = await hr.post("/api/templates/email/check_in/preview", json={"body": "{{ x }}"})
    assert preview.status_code == 422
    assert preview.json()["detail"][0] == {"field": "body", "message": "line 1: 'x' is undefined"}


async def test_a_preview_uses_the_chosen_candidates_facts(
    hr: httpx.AsyncClient, api: httpx.AsyncClient
) -> None:
    body = enrolment(full_name="Henrike Valdés", current_employer="Umbrella")
    created = await api.post("/api/candidates", json=body)
    assert created.status_code == 201, created.text
    candidate = created.json()
    shown = await hr.post(
        "/api/templates/email/birthday/preview", json={"candidate_id": candidate["id"]}
    )
    assert shown.status_code == 200, shown.text
    message = shown.json()
    assert message["subject"] == "Happy birthday, Henrike!"
    assert message["sender_role"] == "employee"  # the owner's role, which this file serves
    assert "/unsubscribe/" in message["body"] and "Margarethe" not in message["body"]
    wrong = await hr.post(
        "/api/templates/email/birthday/preview",
        json={"candidate_id": candidate["id"], "sender_role": "ceo"},
    )
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["field"] == "sender_role"
    missing = await hr.post(
        "/api/templates/email/birthday/preview", json={"candidate_id": str(uuid.uuid4())}
    )
    assert missing.status_code == 404


async def test_who_may_read_preview_and_edit(api: httpx.AsyncClient, stack: RunningStack) -> None:
    key = "linkedin_post/birthday"
    text = {"body": "Happy birthday, {{ first_name }}!"}
    viewer = await key_for(api, "viewer")
    owner = await key_for(api, "owner", owner="o@example.com")
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=60) as client:
        see = {"Authorization": viewer["Authorization"]}
        assert (await client.get(f"/api/templates/{key}", headers=see)).status_code == 200
        assert (
            await client.post(f"/api/templates/{key}/preview", json=text, headers=see)
        ).status_code == 200
        assert (
            await client.put(f"/api/templates/{key}", json=text, headers=see)
        ).status_code == 403
        assert (await client.post(f"/api/templates/{key}/revert", headers=see)).status_code == 403
        theirs = {"Authorization": owner["Authorization"]}
        assert (await client.get("/api/templates", headers=theirs)).status_code == 403
        assert (await client.get("/api/templates")).status_code == 401
    assert (await api.get("/api/templates/email/nothing")).status_code == 404
    assert (await api.get("/api/templates/digest/daily")).status_code == 404
    extra = await api.put(f"/api/templates/{key}", json={**text, "subject": "x"})
    assert extra.status_code == 422 and extra.json()["detail"][0]["field"] == "subject"
    assert (await api.get(f"/api/templates/{key}")).json()["history"] == []


async def test_the_next_touch_uses_the_edit_without_a_restart(
    api: httpx.AsyncClient, stack: RunningStack
) -> None:
    """The worker reads the edit in force when it renders: a birthday email sent after the
    edit says what the edit says; after a revert, the next says what the file says."""
    key = "email/birthday.ceo"
    marker = uuid.uuid4().hex[:8]
    edit = (
        "Subject: Many happy returns, {{ first_name }} ({{ '" + marker + "' }})\n\n"
        "Dear {{ first_name }},\n\nall the best for your birthday from everyone at "
        "{{ company }}.\n\n{{ sender_first_name or 'The team' }}\n\n"
        "Unsubscribe: {{ unsubscribe_url }}\n"
    )

    async def greeted() -> Any:
        zone, local_now = zone_in_send_window()
        relationship = {"origin": "referral", "rapport": "warm", "owner": "ceo@example.com"}
        body = enrolment(
            timezone=zone,
            birthday=birthday_on(local_now.date()),
            job_started_on=None,
            relationship={**relationship, "owner_role": "ceo"},
        )
        created = await api.post("/api/candidates", json=body)
        assert created.status_code == 201, created.text
        return await wait_for_mail(stack.mail_dir, body["email"], within=90)

    try:
        saved = await api.put(f"/api/templates/{key}", json={"body": edit})
        assert saved.status_code == 200, saved.text
        first = await greeted()
        assert first["Subject"] == f"Many happy returns, Ingrid ({marker})"
        assert "all the best for your birthday from everyone at" in first.get_content()

        assert (await api.post(f"/api/templates/{key}/revert")).status_code == 200
        second = await greeted()
        assert marker not in second["Subject"]
        assert second["Subject"] == "Happy birthday, Ingrid!"
    finally:
        await reverted(api, key)


async def test_an_edit_is_audited_and_a_preview_is_not(
    hr: httpx.AsyncClient, database_url: str
) -> None:
    key = "linkedin_post/work_anniversary"
    path = f"/api/templates/{key}"
    plain = database_url.replace("postgresql+psycopg://", "postgresql://", 1)

    async def audited() -> list[tuple[str, str]]:
        with psycopg.connect(plain) as connection:
            rows = connection.execute(
                "select method, path from audit_log where path like %s order by at", (path + "%",)
            ).fetchall()
        return [(method, where) for method, where in rows]

    try:
        assert (await hr.post(f"{path}/preview", json={})).status_code == 200
        text = {"body": "Congratulations on {{ years }} years, {{ first_name }}!"}
        assert (await hr.put(path, json=text)).status_code == 200
        assert await eventually(audited) == [("PUT", path)]
    finally:
        await reverted(hr, key)
