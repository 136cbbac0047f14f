"""Chromium for the workspace's tests: Debian's (`.ci/browser` installs it), driven by
Playwright's async API, never a browser Playwright downloads. Without it the browser tests
skip, saying why; under CI=true they fail instead. A failed test leaves a screenshot of every
page it had open under tmp/artefacts/, and says where."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.stack import AUTH, RunningStack

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("RAPPORT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
ARTEFACTS = ROOT / "tmp" / "artefacts"
DOCS = ROOT / "docs"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def no_browser(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the browser tests must run; .ci/browser installs it)")
    pytest.skip(f"{reason}: `apt-get install chromium` (as root, `make test` does it)")


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        no_browser(f"no Chromium at {CHROMIUM}")
    return CHROMIUM


@pytest.fixture(scope="session")
async def browser(chromium: Path) -> AsyncIterator[Any]:
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        no_browser("Playwright for Python is not installed")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(chromium), args=CHROMIUM_ARGS
        )
        yield launched
        await launched.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call":
        item.stash[FAILED] = report.failed
    return report


FAILED = pytest.StashKey[bool]()
NewPage = Callable[..., Awaitable[Any]]


@pytest.fixture
async def new_page(browser: Any, request: pytest.FixtureRequest) -> AsyncIterator[NewPage]:
    """Pages in contexts of their own (one cookie jar each), at a viewport; screenshots of
    all of them if the test fails."""
    contexts: list[Any] = []

    async def make(viewport: dict[str, int] = DESKTOP) -> Any:
        context = await browser.new_context(viewport=viewport)
        contexts.append(context)
        return await context.new_page()

    yield make
    if request.node.stash.get(FAILED, False):
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        for number, context in enumerate(contexts):
            for index, page in enumerate(context.pages):
                path = ARTEFACTS / f"{name}-{number}-{index}.png"
                await page.screenshot(path=str(path), full_page=True)
                print(f"screenshot of the failed test's page {page.url}: {path}")
    for context in contexts:
        await context.close()


async def screenshot_for_docs(page: Any, name: str) -> None:
    """With RAPPORT_DOCS_SCREENSHOTS=1, the README's pictures are taken from the run."""
    if os.environ.get("RAPPORT_DOCS_SCREENSHOTS") == "1":
        DOCS.mkdir(exist_ok=True)
        await page.screenshot(path=str(DOCS / f"workspace-{name}.png"))


async def make_key(stack: RunningStack, role: str, owner: str | None = None) -> str:
    body: dict[str, Any] = {"role": role, "name": f"{role.title()} {uuid.uuid4().hex[:4]}"}
    if owner:
        body["owner"] = owner
    async with httpx.AsyncClient(base_url=stack.api_url, headers=AUTH) as client:
        response = await client.post("/api/keys", json=body)
    assert response.status_code == 201, response.text
    key: str = response.json()["key"]
    return key


async def sign_in(page: Any, stack: RunningStack, key: str, then: str = "/app/") -> None:
    await page.goto(f"{stack.api_url}{then}")
    await page.get_by_label("API key").fill(key)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_load_state()
    assert "/app/sign-in" not in page.url, await page.content()


async def serious_violations(page: Any) -> list[str]:
    """axe-core's serious and critical findings on the page as it is."""
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(str(node["target"]) for node in violation["nodes"][:3])
        for violation in results.response["violations"]
        if violation.get("impact") in ("serious", "critical")
    ]
