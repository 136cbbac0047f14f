"""The Messages pages in Chromium on the dev stack: HR edits a template and the live preview
changes as they type, against a candidate they picked; a broken edit is refused beside the
field and not stored; the history names who saved it; a revert puts the default back; axe-core
finds nothing serious on the pages at both sizes. Each test reverts what it edited: the stack
is shared."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from harness.api_helpers import enrolment
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


async def admin(stack: RunningStack, method: str, path: str, **options: Any) -> Any:
    async with httpx.AsyncClient(base_url=stack.api_url, headers=AUTH, timeout=60) as client:
        answer = await client.request(method, path, **options)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


async def test_hr_edits_a_template_and_sees_the_preview_change(
    stack: RunningStack, new_page: NewPage
) -> None:
    key = "email/check_in"
    suffix = uuid.uuid4().hex[:6]
    candidate = await admin(
        stack, "POST", "/api/candidates", json=enrolment(full_name=f"Leopoldine Varga {suffix}")
    )
    page = await new_page(DESKTOP)
    await sign_in(page, stack, await make_key(stack, "hr"), then="/app/messages")
    try:
        await page.get_by_role("link", name=key, exact=True).click()
        await page.wait_for_url(f"**/app/messages/{key}/edit")
        preview = page.get_by_test_id("preview-body")
        assert "Margarethe" in await preview.inner_text()  # sample facts until one is chosen

        # Pick a candidate: the search lists those HR may see, the preview uses their facts.
        async with page.expect_response("**/candidates?*"):
            await page.get_by_label("Find a candidate").fill(suffix)
        choice = page.get_by_label("Preview for")
        await choice.locator("option", has_text=f"Leopoldine Varga {suffix}").wait_for(
            state="attached"
        )
        await choice.select_option(candidate["id"])
        await page.get_by_test_id("preview-body").filter(has_text="Hi Leopoldine").wait_for()

        # Type: the preview follows, without saving anything.
        editor = page.get_by_label("Template text")
        text = await editor.input_value()
        edited = text.replace("Hi {{ first_name }},", "Dear {{ first_name }}, a quick one:", 1)
        assert edited != text
        await editor.fill(edited)
        await (
            page.get_by_test_id("preview-body")
            .filter(has_text="Dear Leopoldine, a quick one:")
            .wait_for()
        )
        assert (await admin(stack, "GET", f"/api/templates/{key}"))["history"] == []
        assert await serious_violations(page) == []
        await screenshot_for_docs(page, "message-editor")

        await page.get_by_label("What changed (optional)").fill("a warmer opening")
        await page.get_by_role("button", name="Save").click()
        await page.wait_for_url(f"**/app/messages/{key}/edit?done=saved")
        assert "Saved" in await page.get_by_role("status").first.inner_text()
        history = page.locator("table.history tbody tr")
        assert await history.count() == 1
        assert "a warmer opening" in await history.first.inner_text()
        stored = await admin(stack, "GET", f"/api/templates/{key}")
        assert stored["active"] == edited and stored["history"][0]["edited_by_role"] == "hr"

        # The next preview starts from the saved text.
        await page.reload()
        assert (
            "Dear Margarethe, a quick one:"
            in await page.get_by_test_id("preview-body").inner_text()
        )

        await page.get_by_role("button", name="Revert to the default").click()
        await page.wait_for_url(f"**/app/messages/{key}/edit?done=reverted")
        assert await page.get_by_label("Template text").input_value() == text
        assert await page.locator("table.history tbody tr").count() == 2
    finally:
        await admin(stack, "POST", f"/api/templates/{key}/revert")


async def test_a_broken_edit_is_refused_beside_the_field_and_not_stored(
    stack: RunningStack, new_page: NewPage
) -> None:
    key = "linkedin_message/check_in"
    page = await new_page(PHONE)
    await sign_in(page, stack, await make_key(stack, "hr"), then=f"/app/messages/{key}/edit")
    editor = page.get_by_label("Template text")
    broken = "Hi {{ first_name }},\n\nhere is {{ artcle.title }}\n"
    await editor.fill(broken)
    # The live preview says so at once…
    await page.locator("#preview-error").filter(has_text="'artcle' is undefined").wait_for()
    # …and saving is refused, beside the field, with the line; what was typed is kept.
    await page.get_by_role("button", name="Save").click()
    error = page.locator("#m-body-error")
    assert "line 3: 'artcle' is undefined" in await error.inner_text()
    assert await editor.get_attribute("aria-invalid") == "true"
    assert await editor.input_value() == broken
    assert (await admin(stack, "GET", f"/api/templates/{key}"))["history"] == []
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
    assert await serious_violations(page) == []

    # Someone else saves meanwhile: the fixed text is not saved over theirs.
    try:
        theirs = {"body": "Hi {{ first_name }}, {{ article.url }}", "based_on": 0}
        await admin(stack, "PUT", f"/api/templates/{key}", json=theirs)
        await editor.fill(broken.replace("artcle", "article"))
        await page.get_by_role("button", name="Save").click()
        assert "saved a newer text" in await page.locator("#m-body-error").inner_text()
        stored = await admin(stack, "GET", f"/api/templates/{key}")
        assert stored["active"] == theirs["body"] and len(stored["history"]) == 1
    finally:
        await admin(stack, "POST", f"/api/templates/{key}/revert")


async def test_a_viewer_reads_and_previews_and_an_owner_does_not_see_messages(
    stack: RunningStack, new_page: NewPage
) -> None:
    page = await new_page(DESKTOP)
    await sign_in(
        page, stack, await make_key(stack, "viewer"), then="/app/messages/email/birthday/edit"
    )
    assert await page.get_by_role("button", name="Save").count() == 0
    assert await page.get_by_role("button", name="Preview").count() == 1
    owner = await new_page(DESKTOP)
    await sign_in(owner, stack, await make_key(stack, "owner", owner="o@example.com"))
    answer = await owner.goto(f"{stack.api_url}/app/messages")
    assert answer is not None and answer.status == 403
    assert await owner.get_by_role("link", name="Messages").count() == 0


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280x800", "390x844"])
async def test_the_messages_pages_have_no_serious_accessibility_violations(
    stack: RunningStack, new_page: NewPage, viewport: dict[str, int]
) -> None:
    page = await new_page(viewport)
    await sign_in(page, stack, await make_key(stack, "hr"))
    found = {}
    for name, path in {
        "messages": "/app/messages",
        "editor": "/app/messages/email/vacancy/edit",
        "editor, German": "/app/messages/email/invitation.ceo.de/edit",
    }.items():
        await page.goto(stack.api_url + path)
        found[name] = await serious_violations(page)
        if viewport == PHONE:
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{name} is {width}px wide on a phone"
        elif name == "messages":
            await screenshot_for_docs(page, "messages")
    assert {name: problems for name, problems in found.items() if problems} == {}
