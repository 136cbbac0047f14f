"""The workspace in Chromium on the dev stack: HR enrols and sees the plan, an owner works
through their inbox on a phone, an owner cannot open someone else's candidate, and axe-core
finds nothing serious or critical on any page, at a desktop's size and at a phone's."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from harness.api_helpers import birthday_on, days_ahead, enrolment, eventually, zone_in_send_window
from harness.stack import AUTH, RunningStack

from .conftest import (
    DESKTOP,
    PHONE,
    NewPage,
    make_key,
    screenshot_for_docs,
    serious_violations,
    sign_in,
)

pytestmark = pytest.mark.e2e


async def enrol_by_api(stack: RunningStack, **overrides: Any) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=stack.api_url, headers=AUTH, timeout=60) as client:
        response = await client.post("/api/candidates", json=enrolment(**overrides))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_hr_enrols_a_candidate_and_sees_the_planned_birthday_with_its_channel(
    stack: RunningStack, new_page: NewPage
) -> None:
    page = await new_page(DESKTOP)
    await sign_in(page, stack, await make_key(stack, "hr"), then="/app/enrol")
    assert page.url.endswith("/app/enrol")
    suffix = uuid.uuid4().hex[:6]
    birthday = days_ahead(100)
    await page.get_by_label("Full name").fill(f"Maren Quist {suffix}")
    await page.get_by_label("External id").fill(f"ats-web-{suffix}")
    await page.get_by_label("Email", exact=True).fill("not an address")
    await page.get_by_label("Time zone").fill("Europe/Atlantis")
    await page.get_by_label("Country").fill("DE")
    await page.get_by_label("Birthday").fill(f"1988-{birthday:%m-%d}")
    await page.get_by_label("Skills").fill("Kotlin, Postgres")
    await page.get_by_role("checkbox", name="email").check()
    await page.get_by_label("How you know them").select_option("former_colleague")
    await page.get_by_label("Rapport").select_option("warm")
    await page.get_by_label("Owner's email").fill(f"tom.{suffix}@example.com")
    await page.get_by_label("Owner's role").select_option("employee")
    await page.get_by_role("button", name="Enrol").click()

    # The API's own messages, each beside its field; what was typed is kept.
    zone_error = page.locator("#f-timezone-error")
    assert "unknown time zone 'Europe/Atlantis'" in await zone_error.inner_text()
    assert "email address" in await page.locator("#f-email-error").inner_text()
    assert await page.get_by_label("Time zone").get_attribute("aria-invalid") == "true"
    assert await page.get_by_label("Skills").input_value() == "Kotlin, Postgres"
    assert await serious_violations(page) == []
    await screenshot_for_docs(page, "enrol-errors")

    await page.get_by_label("Email", exact=True).fill(f"maren.{suffix}@example.com")
    await page.get_by_label("Time zone").fill("Europe/Berlin")
    await page.get_by_role("button", name="Enrol").click()
    await page.wait_for_url("**/app/candidates/*?done=enrolled")
    assert "Enrolled" in await page.get_by_role("status").first.inner_text()

    plan = page.locator("table.plan tbody tr")
    birthdays = plan.filter(has_text="birthday")
    assert await birthdays.count() == 1
    row = [cell.strip() for cell in await birthdays.first.locator("td").all_inner_texts()]
    assert f"{birthday:%m-%d}" in row[0]
    assert row[1:3] == ["birthday", "email"]
    assert row[3] == f"tom.{suffix}@example.com"
    link = page.get_by_role("link", name="in the Temporal UI")
    assert (await link.get_attribute("href")).startswith(stack.ui_url + "/namespaces/default/")
    assert await serious_violations(page) == []
    await screenshot_for_docs(page, "candidate")

    # The list finds them by skill, whatever its case, from PostgreSQL alone; typing filters
    # in place (htmx), and the address follows, so the filtered list can be shared.
    await page.goto(f"{stack.api_url}/app/candidates?text={suffix}&skill=rust")
    assert await page.locator("#results").get_by_role("link").count() == 0
    await page.get_by_label("Skill").fill("KOTLIN")
    await page.get_by_role("link", name=f"Maren Quist {suffix}").wait_for()
    assert "skill=KOTLIN" in page.url
    await screenshot_for_docs(page, "candidates")


async def test_an_owner_marks_a_draft_sent_from_a_phone(
    stack: RunningStack, new_page: NewPage
) -> None:
    owner = f"owner-{uuid.uuid4().hex[:6]}@example.com"
    zone, local_now = zone_in_send_window()
    candidate = await enrol_by_api(
        stack,
        timezone=zone,
        birthday=birthday_on(local_now.date()),
        job_started_on=None,
        email=None,
        consent={},
        relationship={"origin": "linkedin_connection", "rapport": "cold", "owner": owner},
    )
    async with httpx.AsyncClient(base_url=stack.api_url, headers=AUTH, timeout=60) as api:

        async def open_tasks() -> list[dict[str, Any]]:
            answer = await api.get("/api/tasks", params={"owner": owner, "status": "open"})
            items: list[dict[str, Any]] = answer.json()["items"]
            return items

        (task,) = await eventually(open_tasks)

        page = await new_page(PHONE)
        await sign_in(page, stack, await make_key(stack, "owner", owner=owner))
        assert page.url.endswith("/app/inbox")  # an owner's home
        card = page.locator(f"#task-{task['id']}")
        assert candidate["full_name"] in await card.get_by_role("heading").inner_text()
        assert (
            await card.get_by_role("link", name="Open LinkedIn").get_attribute("href")
            == (task["link"])
        )
        draft = card.get_by_label("Draft, as you will send it")
        assert await draft.input_value() == task["draft"]
        # Nothing on a phone is wider than the phone.
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], width
        assert await serious_violations(page) == []
        await screenshot_for_docs(page, "inbox-phone")

        sent_text = task["draft"] + "\nSee you soon!"
        await draft.fill(sent_text)
        await card.get_by_role("button", name="Mark sent").click()
        await page.get_by_text("Marked sent").wait_for()
        assert await open_tasks() == []
        touches = (await api.get(f"/api/candidates/{candidate['id']}/touches")).json()["items"]
        assert touches[0]["status"] == "sent" and touches[0]["task_id"] == task["id"]
        closed = await api.get("/api/tasks", params={"owner": owner, "status": "sent"})
        assert closed.json()["items"][0]["final_text"] == sent_text


async def test_an_owner_cannot_open_another_owners_candidate(
    stack: RunningStack, new_page: NewPage
) -> None:
    theirs = await enrol_by_api(
        stack, relationship={"origin": "referral", "rapport": "warm", "owner": "b@example.com"}
    )
    page = await new_page(PHONE)
    await sign_in(page, stack, await make_key(stack, "owner", owner="a@example.com"))
    answer = await page.goto(f"{stack.api_url}/app/candidates/{theirs['id']}")
    assert answer is not None and answer.status == 404
    assert await page.get_by_role("heading", level=1).inner_text() == "Not found"
    assert await serious_violations(page) == []
    await page.goto(f"{stack.api_url}/app/candidates?text={theirs['full_name']}")
    assert await page.get_by_role("link", name=theirs["full_name"]).count() == 0
    # Nor may an owner enrol, as the API's POST /api/candidates says.
    answer = await page.goto(f"{stack.api_url}/app/enrol")
    assert answer is not None and answer.status == 403


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280x800", "390x844"])
async def test_no_page_has_serious_accessibility_violations(
    stack: RunningStack, new_page: NewPage, viewport: dict[str, int]
) -> None:
    candidate = await enrol_by_api(stack)
    page = await new_page(viewport)
    await page.goto(f"{stack.api_url}/app/sign-in")
    found = {"sign-in": await serious_violations(page)}
    if viewport == DESKTOP:
        await screenshot_for_docs(page, "sign-in")
    await sign_in(page, stack, await make_key(stack, "hr"))
    for name, path in {
        "candidates": "/app/candidates",
        "candidates filtered": "/app/candidates?stage=nurturing&origin=former_colleague",
        "candidate": f"/app/candidates/{candidate['id']}",
        "enrol": "/app/enrol",
        "inbox": "/app/inbox",
        "not found": f"/app/candidates/{uuid.uuid4()}",
    }.items():
        await page.goto(stack.api_url + path)
        found[name] = await serious_violations(page)
        if viewport == PHONE:
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{name} is {width}px wide on a phone"
    assert {name: problems for name, problems in found.items() if problems} == {}
