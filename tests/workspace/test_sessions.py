"""The workspace's doors over plain HTTP on the dev stack: no page without a session (a
redirect to sign-in, 401 for htmx), no form without its CSRF token (403, and nothing done),
the session cookie's flags, sign-out, and a revoked key ending its sessions at once."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from api.app.session import issue, read
from harness.api_helpers import enrolment
from harness.stack import AUTH, RunningStack
from rapport import signing
from rapport.settings import Settings

from .conftest import make_key

pytestmark = pytest.mark.e2e
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
SOME_ID = "00000000-0000-4000-8000-000000000000"
PAGES = [
    "/app/",
    "/app/candidates",
    "/app/candidates?stage=paused",
    f"/app/candidates/{SOME_ID}",
    "/app/enrol",
    "/app/inbox",
    "/app/messages",
    "/app/messages/email/birthday/edit",
    "/app/messages/email/birthday/candidates?find=a",
    f"/app/candidates/{SOME_ID}/erase",
    "/app/import",
    f"/app/import/{SOME_ID}",
    "/app/met",
    "/app/settings",
]
FORMS = [
    "/app/enrol",
    f"/app/candidates/{SOME_ID}/stage",
    f"/app/candidates/{SOME_ID}/opt-out",
    f"/app/inbox/{SOME_ID}/sent",
    f"/app/inbox/{SOME_ID}/skip",
    "/app/messages/email/birthday/preview",
    "/app/messages/email/birthday/save",
    "/app/messages/email/birthday/revert",
    f"/app/candidates/{SOME_ID}/email",
    f"/app/candidates/{SOME_ID}/meeting",
    f"/app/candidates/{SOME_ID}/invite",
    f"/app/candidates/{SOME_ID}/erase",
    f"/app/replies/{SOME_ID}/classify",
    "/app/import",
    "/app/met/enrol",
    "/app/met/meeting",
    "/app/settings",
    "/app/sign-out",
]


@pytest.fixture
async def browser_like(stack: RunningStack) -> AsyncIterator[httpx.AsyncClient]:
    """A client with a cookie jar and no API key, as a browser is."""
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=60) as client:
        yield client


async def signed_in(client: httpx.AsyncClient, key: str) -> str:
    """Sign in through the form; the session's CSRF token, from the page it lands on."""
    form = await client.get("/app/sign-in")
    match = TOKEN.search(form.text)
    assert match, form.text
    answer = await client.post("/app/sign-in", data={"key": key, "csrf_token": match[1]})
    assert answer.status_code == 303, answer.text
    landed = await client.get(answer.headers["location"])
    assert landed.status_code == 200
    token = TOKEN.search(landed.text)
    assert token, landed.text
    return token[1]


async def test_every_page_redirects_to_sign_in_without_a_session(
    browser_like: httpx.AsyncClient,
) -> None:
    for path in PAGES:
        answer = await browser_like.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/app/sign-in?next=%2Fapp%2F"), path
        htmx = await browser_like.get(path, headers={"HX-Request": "true"})
        assert htmx.status_code == 401 and htmx.headers["hx-redirect"].startswith("/app/sign-in")
    for path in FORMS:
        answer = await browser_like.post(path, data={"csrf_token": "x"})
        assert (answer.status_code, answer.headers["location"]) == (303, "/app/sign-in"), path
    # An API key is not a session: the pages want the cookie.
    keyed = await browser_like.get("/app/candidates", headers=AUTH)
    assert keyed.status_code == 303
    # A forged or tampered cookie is no session either.
    browser_like.cookies.set("rapport_session", f"s1.{SOME_ID}.9999999999.abc.forged", path="/app")
    assert (await browser_like.get("/app/candidates")).status_code == 303


async def test_forms_without_the_csrf_token_are_refused(
    stack: RunningStack, browser_like: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, headers=AUTH, timeout=60) as api:
        created = await api.post("/api/candidates", json=enrolment())
        candidate = created.json()
        # Signing in takes the sign-in form's own token too.
        unsigned = await browser_like.post("/app/sign-in", data={"key": "rpk_whatever"})
        assert unsigned.status_code == 403
        token = await signed_in(browser_like, await make_key(stack, "hr"))
        stage = f"/app/candidates/{candidate['id']}/stage"
        for data in ({"stage": "paused"}, {"stage": "paused", "csrf_token": "not-the-token"}):
            refused = await browser_like.post(stage, data=data)
            assert refused.status_code == 403, refused.text
            assert "did not come from the workspace" in refused.text
        for path in FORMS:
            assert (await browser_like.post(path, data={})).status_code == 403, path
        still = (await api.get(f"/api/candidates/{candidate['id']}")).json()
        assert still["stage"] == "nurturing"

        done = await browser_like.post(stage, data={"stage": "paused", "csrf_token": token})
        assert done.status_code == 303 and done.headers["location"].endswith("?done=paused")
        assert (await api.get(f"/api/candidates/{candidate['id']}")).json()["stage"] == "paused"
        # htmx sends the token as a header.
        resumed = await browser_like.post(
            stage, data={"stage": "nurturing"}, headers={"X-CSRF-Token": token}
        )
        assert resumed.status_code == 303
        assert (await api.get(f"/api/candidates/{candidate['id']}")).json()["stage"] == "nurturing"


async def test_the_session_cookie_and_signing_out(
    stack: RunningStack, browser_like: httpx.AsyncClient
) -> None:
    key = await make_key(stack, "viewer")
    form = await browser_like.get("/app/sign-in")
    token = TOKEN.search(form.text)
    assert token
    wrong = await browser_like.post(
        "/app/sign-in", data={"key": "rpk_nope", "csrf_token": token[1]}
    )
    assert wrong.status_code == 401 and "unknown or has been revoked" in wrong.text
    # Behind a TLS-terminating proxy (uvicorn trusts X-Forwarded-Proto from 127.0.0.1).
    answer = await browser_like.post(
        "/app/sign-in",
        data={"key": key, "csrf_token": token[1], "next": "/app/inbox"},
        headers={"X-Forwarded-Proto": "https"},
    )
    assert (answer.status_code, answer.headers["location"]) == (303, "/app/inbox")
    cookie = next(c for c in answer.headers.get_list("set-cookie") if "rapport_session=" in c)
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "secure", "path=/app", "samesite=lax"} <= flags, cookie
    assert key not in cookie
    max_age = next(int(flag.split("=")[1]) for flag in flags if flag.startswith("max-age="))
    assert 0 < max_age <= 8 * 3600

    session = await signed_in(browser_like, key)
    # Another site is never where a sign-in goes next.
    again = await browser_like.get("/app/sign-in", params={"next": "//evil.example/app/x"})
    assert again.status_code == 303 and again.headers["location"] == "/app/"
    out = await browser_like.post("/app/sign-out", data={"csrf_token": session})
    assert out.status_code == 303
    assert (await browser_like.get("/app/candidates")).status_code == 303


async def test_revoking_the_key_ends_its_sessions(
    stack: RunningStack, browser_like: httpx.AsyncClient
) -> None:
    name = f"Revocable {uuid.uuid4().hex[:4]}"
    async with httpx.AsyncClient(base_url=stack.api_url, headers=AUTH) as api:
        made = (await api.post("/api/keys", json={"role": "hr", "name": name})).json()
        await signed_in(browser_like, made["key"])
        assert (await browser_like.get("/app/candidates")).status_code == 200
        revoked = await api.post(f"/api/keys/{made['id']}/revoke")
        assert revoked.status_code == 200
    assert (await browser_like.get("/app/candidates")).status_code == 303


def test_a_session_token_is_ours_and_unexpired() -> None:
    settings = Settings(_env_file=None, secret_key="one")  # type: ignore[call-arg]
    value, web = issue(settings, SOME_ID)
    assert read(settings, value) == web
    assert read(Settings(_env_file=None, secret_key="two"), value) is None  # type: ignore[call-arg]
    past = signing.sign("workspace-session:one", "s1", SOME_ID, str(int(time.time()) - 1), "t")
    assert read(settings, past) is None
    # An unsubscribe token, signed with the same secret, is no session.
    assert read(settings, signing.sign("one", "s1", SOME_ID, "9999999999", "t")) is None


async def test_the_enrol_form_shows_the_apis_messages_beside_each_field(
    stack: RunningStack, browser_like: httpx.AsyncClient
) -> None:
    token = await signed_in(browser_like, await make_key(stack, "hr"))
    form = {
        "csrf_token": token,
        "full_name": "Noor Vermeulen",
        "timezone": "Mars/Olympus",
        "country": "NL",
        "birthday": "02-30",
        "email": "noor-at-example.com",
        "relationship.owner": "not an email",
    }
    refused = await browser_like.post("/app/enrol", data=form)
    assert refused.status_code == 422
    beside = dict(re.findall(r'<p class="error" id="f-([\w-]+)-error">([^<]+)</p>', refused.text))
    assert set(beside) == {"external_id", "timezone", "birthday", "email", "relationship-owner"}
    assert "unknown time zone" in beside["timezone"]
    assert "not a real date" in beside["birthday"]
    assert 'value="Noor Vermeulen"' in refused.text  # what was typed stays
    form.update(
        timezone="Europe/Amsterdam",
        birthday="03-14",
        email="noor@example.com",
        external_id=f"ats-{uuid.uuid4().hex[:8]}",
    )
    form.pop("relationship.owner")
    enrolled = await browser_like.post("/app/enrol", data=form)
    assert enrolled.status_code == 303, enrolled.text
    assert enrolled.headers["location"].endswith("?done=enrolled")
    again = await browser_like.post("/app/enrol", data=form)
    assert again.headers["location"] == enrolled.headers["location"].replace("enrolled", "existing")


async def test_an_owner_acts_only_on_their_own_candidates(
    stack: RunningStack, browser_like: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, headers=AUTH, timeout=60) as api:
        relationship = {"origin": "referral", "rapport": "warm", "owner": "b@example.com"}
        theirs = await api.post("/api/candidates", json=enrolment(relationship=relationship))
        candidate = theirs.json()
        token = await signed_in(browser_like, await make_key(stack, "owner", owner="a@example.com"))
        meeting = {"csrf_token": token, "event": "Meetup", "date": "2020-01-01", "rapport": "warm"}
        for path, data in {
            f"/app/candidates/{candidate['id']}/meeting": meeting,
            "/app/met/meeting": {**meeting, "candidate": candidate["id"]},
        }.items():
            refused = await browser_like.post(path, data=data)
            assert refused.status_code == 404, (path, refused.text)
        # HR's actions stay HR's: an owner may not correct an address, invite or import.
        for path in (f"/app/candidates/{candidate['id']}/email", "/app/import"):
            answer = await browser_like.post(path, data={"csrf_token": token, "email": "x@y.z"})
            assert answer.status_code == 403, path
        interactions = await api.get(f"/api/candidates/{candidate['id']}/touches")
        assert interactions.status_code == 200
        detail = (await api.get(f"/api/candidates/{candidate['id']}")).json()
        assert detail["relationship"]["origin"] == "referral"  # no meeting was recorded


async def test_an_admin_decides_whether_owners_may_enrol(stack: RunningStack) -> None:
    async with (
        httpx.AsyncClient(base_url=stack.api_url, timeout=60) as admin,
        httpx.AsyncClient(base_url=stack.api_url, timeout=60) as owner,
    ):
        admin_token = await signed_in(admin, await make_key(stack, "admin"))
        owner_token = await signed_in(owner, await make_key(stack, "owner", owner="o@example.com"))
        assert (await owner.get("/app/settings")).status_code == 403  # admins' alone
        enrol = {
            "csrf_token": owner_token,
            "full_name": f"Kai Known {uuid.uuid4().hex[:6]}",
            "origin": "referral",
            "rapport": "warm",
            "timezone": "Europe/Berlin",
            "country": "DE",
        }
        try:
            off = await admin.post("/app/settings", data={"csrf_token": admin_token})
            assert off.headers["location"].endswith("?done=saved")
            page = await admin.get("/app/settings")
            assert "Last changed by" in page.text and "checked" not in page.text
            assert "has not let owners enrol" in (await owner.get("/app/met")).text
            refused = await owner.post("/app/met/enrol", data=enrol)
            assert refused.status_code == 403 and "ask HR" in refused.text
        finally:
            on = {"csrf_token": admin_token, "owners_may_enrol": "yes"}
            assert (await admin.post("/app/settings", data=on)).status_code == 303
        enrolled = await owner.post("/app/met/enrol", data=enrol)
        assert enrolled.status_code == 303, enrolled.text
        assert enrolled.headers["location"].endswith("?done=enrolled")
