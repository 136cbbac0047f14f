"""Vacancies, campaigns and outcomes in Chromium on the dev stack: HR opens a vacancy from the
form (the API's findings beside each field first) and sees the match and its reasons, then
closes it after a confirmation; a campaign's page counts its invitations; the Outcomes page
draws a reply by channel as a chart with its table; an owner sees none of the vacancies and
only their own outcomes; axe-core finds nothing serious or critical on any of these pages, at
a desktop's size and at a phone's. Over plain HTTP: no page without a session, no form
without its CSRF token."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest

from harness.api_helpers import eventually
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
from .test_browser import enrol_by_api
from .test_sessions import signed_in

pytestmark = pytest.mark.e2e
SOME_ID = "00000000-0000-4000-8000-000000000000"


async def api_post(stack: RunningStack, path: str, body: dict[str, Any]) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=stack.api_url, headers=AUTH, timeout=60) as client:
        response = await client.post(path, json=body)
    assert response.status_code in (200, 201), response.text
    answer: dict[str, Any] = response.json()
    return answer


async def test_hr_opens_a_vacancy_and_sees_the_match_and_its_reasons(
    stack: RunningStack, new_page: NewPage
) -> None:
    suffix = uuid.uuid4().hex[:6]
    skill = f"fortran{suffix}"
    candidate = await enrol_by_api(
        stack, skills=[skill, "Julia", "sql"], current_title="Staff Engineer", location="Lisbon"
    )
    page = await new_page(DESKTOP)
    await sign_in(page, stack, await make_key(stack, "hr"), then="/app/vacancies")
    await page.get_by_role("link", name="Open a vacancy").click()
    await page.get_by_label("Title").fill(f"Numerics lead {suffix}")
    await page.get_by_label("External id").fill(f"job-{suffix}")
    await page.get_by_label("Hiring manager's email").fill("not an address")
    await page.get_by_role("button", name="Open the vacancy").click()

    # The API's own findings, beside the fields they name; what was typed is kept.
    assert "at least 1 item" in await page.locator("#f-skills-error").inner_text()
    assert "email address" in await page.locator("#f-hiring_manager-error").inner_text()
    assert await page.get_by_label("Title").input_value() == f"Numerics lead {suffix}"
    assert await serious_violations(page) == []

    await page.get_by_label("Skills").fill(f"{skill.upper()}, Julia")
    await page.get_by_label("Hiring manager's email").fill(f"hm.{suffix}@example.com")
    await page.get_by_label("Location").fill("Lisbon")
    await page.get_by_role("button", name="Open the vacancy").click()
    await page.wait_for_url("**/app/vacancies/*?done=opened")
    vacancy_url = page.url.split("?")[0]

    async def the_match() -> bool:
        await page.goto(vacancy_url)
        found: int = await page.get_by_role("link", name=candidate["full_name"]).count()
        return found == 1

    await eventually(the_match)
    row = page.locator("table.matches tbody tr").filter(has_text=candidate["full_name"])
    reasons = await row.locator("ul.reasons li").all_inner_texts()
    assert f"2 of 2 skills: {skill}, julia" in reasons, reasons
    assert "based in Lisbon" in reasons
    score = float(await row.locator("td.num").nth(1).inner_text())
    assert 0 < score <= 1
    counts = page.locator("dl.counts")
    assert "Matched" in await counts.inner_text()
    assert await serious_violations(page) == []
    await screenshot_for_docs(page, "vacancy")

    # Listed among the open ones; closing asks first, then says what it did.
    await page.goto(f"{stack.api_url}/app/vacancies")
    assert await page.get_by_role("link", name=f"Numerics lead {suffix}").count() == 1
    await screenshot_for_docs(page, "vacancies")
    await page.goto(vacancy_url)
    await page.get_by_role("link", name="Close this vacancy").click()
    assert "cancelled" in await page.locator("main").inner_text()
    assert await serious_violations(page) == []
    await page.get_by_role("button", name="Yes, close it").click()
    await page.wait_for_url("**?done=closed")
    assert "Closed." in await page.get_by_role("status").first.inner_text()
    assert await page.locator(".heading .status").inner_text() == "closed"
    await page.goto(f"{stack.api_url}/app/vacancies?show=open")
    assert await page.get_by_role("link", name=f"Numerics lead {suffix}").count() == 0
    await page.goto(f"{stack.api_url}/app/vacancies?show=closed")
    assert await page.get_by_role("link", name=f"Numerics lead {suffix}").count() == 1


async def test_a_campaigns_page_counts_its_invitations(
    stack: RunningStack, new_page: NewPage
) -> None:
    suffix = uuid.uuid4().hex[:6]
    interest = f"quantum{suffix}"
    members = [await enrol_by_api(stack, interests=[interest]) for _ in range(2)]
    campaign = await api_post(
        stack,
        "/api/campaigns",
        {
            "name": f"Data night {suffix}",
            "kind": "webinar",
            "title": "Data night",
            "segment": {"interests": [interest]},
        },
    )
    page = await new_page(DESKTOP)
    await sign_in(page, stack, await make_key(stack, "viewer"), then="/app/campaigns")
    await page.get_by_role("link", name=f"Data night {suffix}").click()
    counts = page.locator("dl.counts")

    async def all_invited() -> bool:
        await page.reload()
        return f"Invited\n{len(members)}" in await counts.inner_text()

    await eventually(all_invited)
    text = await counts.inner_text()
    reached, skipped, waiting = (
        int(re.search(rf"{name}\n(\d+)", text)[1])  # type: ignore[index]
        for name in ("Reached", "Skipped", "Waiting")
    )
    assert reached + skipped + waiting == len(members), text
    assert page.url.endswith(campaign["id"])
    assert await serious_violations(page) == []
    await screenshot_for_docs(page, "campaign")


async def test_outcomes_draw_a_reply_by_channel_with_its_numbers_beside_it(
    stack: RunningStack, new_page: NewPage
) -> None:
    owner = f"ceo-{uuid.uuid4().hex[:6]}@example.com"
    mine = await enrol_by_api(
        stack, relationship={"origin": "referral", "rapport": "warm", "owner": owner}
    )
    await api_post(
        stack,
        f"/api/candidates/{mine['id']}/interactions",
        {"type": "replied", "sentiment": "interested", "channel": "linkedin_message"},
    )
    page = await new_page(DESKTOP)
    await sign_in(page, stack, await make_key(stack, "owner", owner=owner), then="/app/outcomes")
    # An owner's figures are their own candidates': exactly the one reply.
    totals = await page.locator("dl.counts").first.inner_text()
    assert re.search(r"Replies\n1\b", totals) and re.search(r"Interested\n1\b", totals), totals
    by_channel = page.locator("section", has=page.locator("#by-channel"))
    assert await by_channel.locator("img.chart").count() == 1
    alt = await by_channel.locator("img.chart").get_attribute("alt")
    assert alt and "table" in alt
    row = by_channel.locator("tbody tr").filter(has_text="linkedin message")
    assert [c.strip() for c in await row.locator("td").all_inner_texts()] == ["1", "1", "0"]
    assert "opens" in await page.locator("main").inner_text()  # it says what it does not count
    # Nor does an owner have vacancies or campaigns to see.
    assert await page.get_by_role("link", name="Vacancies").count() == 0
    answer = await page.goto(f"{stack.api_url}/app/vacancies")
    assert answer is not None and answer.status == 403

    # A period that is not one names its field, and shows no figures.
    await page.goto(f"{stack.api_url}/app/outcomes?from=2026-05-01&to=2026-04-01")
    assert "must not be before" in await page.locator("#f-to-error").inner_text()
    assert await page.locator("img.chart").count() == 0
    assert await serious_violations(page) == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280x800", "390x844"])
async def test_these_pages_have_no_serious_accessibility_violations(
    stack: RunningStack, new_page: NewPage, viewport: dict[str, int]
) -> None:
    candidate = await enrol_by_api(stack, skills=["cobol"])
    await api_post(
        stack,
        f"/api/candidates/{candidate['id']}/interactions",
        {"type": "replied", "sentiment": "not_now", "channel": "email"},
    )
    suffix = uuid.uuid4().hex[:6]
    vacancy = await api_post(
        stack, "/api/vacancies", {"external_id": f"a11y-{suffix}", "title": "COBOL keeper",
                                  "skills": ["cobol"]},
    )  # fmt: skip
    campaign = await api_post(
        stack,
        "/api/campaigns",
        # A segment nobody is in: the stack's other candidates are left alone.
        {"name": f"Meetup {suffix}", "kind": "event", "title": "Meetup",
         "segment": {"interests": [f"nobody-{suffix}"]}},
    )  # fmt: skip
    page = await new_page(viewport)
    await sign_in(page, stack, await make_key(stack, "hr"))
    found = {}
    for name, path in {
        "vacancies": "/app/vacancies",
        "closed vacancies": "/app/vacancies?show=closed",
        "new vacancy": "/app/vacancies/new",
        "vacancy": f"/app/vacancies/{vacancy['id']}",
        "close vacancy": f"/app/vacancies/{vacancy['id']}/close",
        "campaigns": "/app/campaigns",
        "campaign": f"/app/campaigns/{campaign['id']}",
        "outcomes": "/app/outcomes",
        "outcomes, a year": "/app/outcomes?from=2026-01-01&to=2026-12-31",
    }.items():
        answer = await page.goto(stack.api_url + path)
        assert answer is not None and answer.status == 200, name
        found[name] = await serious_violations(page)
        if viewport == PHONE:
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{name} is {width}px wide on a phone"
        elif name == "outcomes":
            await screenshot_for_docs(page, name)
    assert {name: problems for name, problems in found.items() if problems} == {}


async def test_no_page_without_a_session_and_no_form_without_its_token(
    stack: RunningStack,
) -> None:
    pages = ["/app/vacancies", "/app/vacancies/new", f"/app/vacancies/{SOME_ID}",
             f"/app/vacancies/{SOME_ID}/close", "/app/campaigns", f"/app/campaigns/{SOME_ID}",
             "/app/outcomes"]  # fmt: skip
    forms = ["/app/vacancies", f"/app/vacancies/{SOME_ID}/close"]
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=60) as client:
        for path in pages:
            answer = await client.get(path)
            assert answer.status_code == 303, path
            assert answer.headers["location"].startswith("/app/sign-in?next=%2Fapp%2F"), path
        for path in forms:
            answer = await client.post(path, data={"csrf_token": "x"})
            assert (answer.status_code, answer.headers["location"]) == (303, "/app/sign-in")
        await signed_in(client, await make_key(stack, "hr"))
        before = (await client.get("/app/vacancies?show=all")).text
        refused = await client.post(
            "/app/vacancies", data={"title": "No token", "external_id": "x", "skills": "go"}
        )
        assert refused.status_code == 403
        assert (await client.get("/app/vacancies?show=all")).text.count("No token") == 0
        assert "No token" not in before
