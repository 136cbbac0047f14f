"""Who may do what: every route by {no key, wrong key, wrong role, right role}; owners see only
their own; the audit log; bounded bodies; keys made by the CLI; the codec behind a key."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import FastAPI

from api.main import create_app
from harness.api_helpers import eventually
from harness.stack import RunningStack
from rapport import keys
from rapport.settings import Settings

ALL = {"admin", "hr", "viewer", "owner"}
OPERATORS = {"admin", "hr", "viewer"}
WRITERS = {"admin", "hr"}
OWNERS = {"admin", "hr", "owner"}
ADMIN = {"admin"}
MAIL = {"admin", "inbound"}
ROLES = ("admin", "hr", "viewer", "owner", "inbound")
C = "/api/candidates/{candidate_id}"

# The access policy, route by route. A route missing here fails the completeness test.
POLICY: dict[tuple[str, str], set[str]] = {
    ("POST", "/api/candidates"): WRITERS,
    ("POST", "/api/candidates/import"): WRITERS,
    ("GET", "/api/candidates"): ALL,
    ("GET", C): ALL,
    ("PATCH", C): WRITERS,
    ("DELETE", C): ADMIN,
    ("GET", C + "/plan"): ALL,
    ("GET", C + "/touches"): ALL,
    ("POST", C + "/interactions"): OWNERS,
    ("POST", C + "/invitations"): WRITERS,
    ("POST", C + "/opt-out"): WRITERS,
    ("POST", C + "/stage"): WRITERS,
    ("GET", "/api/articles"): ALL,
    ("POST", "/api/articles"): WRITERS,
    ("GET", "/api/people"): ALL,
    ("POST", "/api/people"): WRITERS,
    ("POST", "/api/people/import"): WRITERS,
    ("GET", "/api/people/{email}"): ALL,
    ("PATCH", "/api/people/{email}"): WRITERS,
    ("GET", "/api/tasks"): ALL,
    ("POST", "/api/tasks/{task_id}/complete"): OWNERS,
    ("POST", "/api/inbound/email"): MAIL,
    ("GET", "/api/inbound"): ALL,
    ("POST", "/api/inbound/{inbound_id}/classify"): OWNERS,
    ("GET", "/api/mailboxes"): ADMIN,
    ("POST", "/api/mailboxes"): ADMIN,
    ("GET", "/api/mailboxes/{mailbox_id}"): ADMIN,
    ("PATCH", "/api/mailboxes/{mailbox_id}"): ADMIN,
    ("DELETE", "/api/mailboxes/{mailbox_id}"): ADMIN,
    ("POST", "/api/vacancies"): WRITERS,
    ("GET", "/api/vacancies/{vacancy_id}"): OPERATORS,
    ("POST", "/api/vacancies/{vacancy_id}/close"): WRITERS,
    ("GET", "/api/vacancies/{vacancy_id}/matches"): ALL,
    ("POST", "/api/campaigns"): WRITERS,
    ("GET", "/api/campaigns/{campaign_id}"): OPERATORS,
    ("GET", "/api/ops/overdue"): OPERATORS,
    ("GET", "/api/ops/waiting"): OPERATORS,
    ("GET", "/api/ops/mailboxes"): OPERATORS,
    ("POST", "/api/ops/candidates/{candidate_id}/replan"): WRITERS,
    ("GET", "/api/templates"): OPERATORS,
    ("GET", "/api/templates/{key}"): OPERATORS,
    ("PUT", "/api/templates/{key}"): WRITERS,
    ("POST", "/api/templates/{key}/preview"): OPERATORS,
    ("POST", "/api/templates/{key}/revert"): WRITERS,
    ("POST", "/api/keys"): ADMIN,
    ("GET", "/api/keys"): ADMIN,
    ("POST", "/api/keys/{key_id}/revoke"): ADMIN,
    ("POST", "/codec/encode"): OPERATORS,
    ("POST", "/codec/decode"): OPERATORS,
    # Also RAPPORT_METRICS_TOKEN, which opens nothing else (tests/test_metrics.py).
    ("GET", "/metrics"): OPERATORS,
}
PUBLIC = {
    ("GET", "/healthz"),
    ("GET", "/unsubscribe/{token}"),
    ("POST", "/unsubscribe/{token}"),
}
OWNER_EMAIL = "olga.owner@example.com"


@pytest.fixture(scope="session")
async def app(database_url: str, stack: RunningStack) -> AsyncIterator[FastAPI]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        temporal_address=stack.temporal_address,
        task_queue=stack.env["RAPPORT_TASK_QUEUE"],
        secret_key="access-test",
        encryption_keys=(stack.data_dir / "encryption.keys").read_text().strip(),
    )
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
async def role_keys(app: FastAPI) -> dict[str, str]:
    made = {}
    async with app.state.sessions.begin() as session:
        for role in ROLES:
            _, secret = await keys.create(
                session,
                role=role,
                name=f"{role} test",
                owner=OWNER_EMAIL if role == "owner" else None,
            )
            made[role] = secret
    return made


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://rapport.test") as http:
        yield http


def routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every route the API publishes (the operator sign-in page is public and unlisted)."""
    return {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }


def test_every_route_has_a_policy(app: FastAPI) -> None:
    assert routes(app) - PUBLIC == set(POLICY)


def concrete(path: str) -> str:
    return re.sub(r"\{[a-z_]+\}", str(uuid.uuid4()), path)


CASES = [
    pytest.param(method, path, case, id=f"{method} {path} {case}")
    for (method, path) in POLICY
    for case in ("no key", "wrong key", "wrong role", "right role")
]


@pytest.mark.parametrize(("method", "path", "case"), CASES)
async def test_route_access(
    client: httpx.AsyncClient, role_keys: dict[str, str], method: str, path: str, case: str
) -> None:
    allowed = POLICY[(method, path)]
    headers = {}
    if case == "wrong key":
        headers["Authorization"] = "Bearer rpk_not-a-key"
    elif case == "wrong role":
        outsiders = sorted(set(ROLES) - allowed)
        if not outsiders:
            pytest.skip("every role may use this route")
        headers["Authorization"] = f"Bearer {role_keys[outsiders[0]]}"
    elif case == "right role":
        headers["Authorization"] = f"Bearer {role_keys[sorted(allowed)[-1]]}"
    body: dict[str, Any] = {"payloads": []} if path.startswith("/codec") else {}
    response = await client.request(
        method, concrete(path), headers=headers, json=body if method != "GET" else None
    )
    expected = {"no key": 401, "wrong key": 401, "wrong role": 403}.get(case)
    if expected is not None:
        assert response.status_code == expected, response.text
        if expected == 401:
            assert response.headers["www-authenticate"] == "Bearer"
    else:
        assert response.status_code not in (401, 403, 500), response.text


@pytest.mark.parametrize(("method", "path"), sorted(POLICY))
async def test_an_inbound_key_may_only_post_mail(
    client: httpx.AsyncClient, role_keys: dict[str, str], method: str, path: str
) -> None:
    headers = {"Authorization": f"Bearer {role_keys['inbound']}"}
    body: dict[str, Any] = {"payloads": []} if path.startswith("/codec") else {}
    response = await client.request(
        method, concrete(path), headers=headers, json=body if method != "GET" else None
    )
    if (method, path) == ("POST", "/api/inbound/email"):
        assert response.status_code == 415, response.text  # JSON is no message
    else:
        assert response.status_code == 403, (method, path, response.text)


async def test_owners_see_only_their_own(
    client: httpx.AsyncClient, role_keys: dict[str, str]
) -> None:
    hr = {"Authorization": f"Bearer {role_keys['hr']}"}
    owner = {"Authorization": f"Bearer {role_keys['owner']}"}
    skill = f"zig{uuid.uuid4().hex[:6]}"
    mine, theirs = [
        (
            await client.post(
                "/api/candidates",
                headers=hr,
                json={
                    "external_id": f"acc-{uuid.uuid4().hex[:8]}",
                    "full_name": "Ada Example",
                    "timezone": "Europe/Berlin",
                    "country": "DE",
                    "skills": [skill],
                    "current_title": "Systems Engineer",
                    "relationship": {"owner": email, "origin": "referral", "rapport": "warm"},
                },
            )
        ).json()
        for email in (OWNER_EMAIL, "someone.else@example.com")
    ]
    assert (await client.get(f"/api/candidates/{mine['id']}", headers=owner)).status_code == 200
    assert (await client.get(f"/api/candidates/{theirs['id']}", headers=owner)).status_code == 404
    listed = (await client.get("/api/candidates", headers=owner, params={"limit": 200})).json()
    assert {item["relationship"]["owner"] for item in listed["items"]} == {OWNER_EMAIL}
    # Asking for someone else's tasks still answers with one's own.
    tasks = await client.get(
        "/api/tasks", headers=owner, params={"owner": "someone.else@example.com"}
    )
    assert all(task["owner"] == OWNER_EMAIL for task in tasks.json()["items"])

    # The matches link in an owner's digest shows their own candidates, not everyone's.
    vacancy = await client.post(
        "/api/vacancies",
        headers=hr,
        json={"external_id": f"acc-{skill}", "title": "Systems Engineer", "skills": [skill]},
    )
    path = f"/api/vacancies/{vacancy.json()['id']}/matches"

    async def both_matched() -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = (await client.get(path, headers=hr)).json()["items"]
        return items if len(items) == 2 else []

    await eventually(both_matched)
    seen = await client.get(path, headers=owner, params={"owner": "someone.else@example.com"})
    assert [item["candidate_id"] for item in seen.json()["items"]] == [mine["id"]]


async def test_mutations_are_audited_without_bodies(
    client: httpx.AsyncClient, role_keys: dict[str, str], database_url: str
) -> None:
    marker = f"https://blog.example.com/audit-{uuid.uuid4().hex}"
    hr = {"Authorization": f"Bearer {role_keys['hr']}"}
    created = await client.post(
        "/api/articles", headers=hr, json={"title": "Audit me", "url": marker, "tags": ["x"]}
    )
    assert created.status_code == 201
    await client.get("/api/articles", headers=hr)
    refused = await client.post("/api/articles", json={"title": "x"})
    assert refused.status_code == 401
    plain = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(plain) as connection:
        rows = connection.execute(
            "select actor, role, method, path, status from audit_log order by at desc limit 2"
        ).fetchall()
        dump = connection.execute(
            "select string_agg(audit_log::text, ' ') from audit_log"
        ).fetchone()
    assert rows == [
        ("anonymous", None, "POST", "/api/articles", 401),
        ("hr test", "hr", "POST", "/api/articles", 201),
    ]
    assert dump is not None and marker not in str(dump[0])


async def test_bodies_are_bounded(client: httpx.AsyncClient, role_keys: dict[str, str]) -> None:
    hr = {"Authorization": f"Bearer {role_keys['hr']}", "content-type": "application/json"}
    huge = b'{"external_id": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    response = await client.post("/api/candidates", headers=hr, content=huge)
    assert response.status_code == 413
    assert response.json()["detail"][0]["field"] == "body"


async def test_the_codec_answers_signed_in_operators_only(
    client: httpx.AsyncClient, role_keys: dict[str, str]
) -> None:
    secret = base64.b64encode(b'"a secret value"').decode()
    payloads = {"payloads": [{"metadata": {"encoding": base64.b64encode(b"json/plain").decode()},
                              "data": secret}]}  # fmt: skip
    assert (await client.post("/codec/encode", json=payloads)).status_code == 401
    login = await client.post("/ops/login", data={"key": role_keys["viewer"]})
    assert login.status_code == 200 and "rapport_key" in login.headers["set-cookie"]
    assert "httponly" in login.headers["set-cookie"].lower()
    encoded = await client.post("/codec/encode", json=payloads)  # the cookie, as the UI sends it
    assert encoded.status_code == 200
    assert encoded.json()["payloads"][0]["data"] != secret
    decoded = await client.post("/codec/decode", json=encoded.json())
    assert decoded.json()["payloads"][0]["data"] == secret
    client.cookies.clear()
    refused = await client.post("/ops/login", data={"key": role_keys["owner"]})
    assert refused.status_code == 401
    refused = await client.post("/ops/login", data={"key": role_keys["inbound"]})
    assert refused.status_code == 401
    preflight = await client.options(
        "/codec/decode",
        headers={"Origin": "http://127.0.0.1:8233", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.headers["access-control-allow-origin"] == "http://127.0.0.1:8233"
    assert preflight.headers["access-control-allow-credentials"] == "true"


def test_keys_cli_makes_a_working_key(database_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAPPORT_")}
    env["RAPPORT_DATABASE_URL"] = database_url
    made = subprocess.run(
        [sys.executable, "-m", "rapport.keys", "create", "--role", "viewer", "--name", "cli"],
        capture_output=True, text=True, env=env, cwd=Path(__file__).parents[1], check=True,
    )  # fmt: skip
    key = made.stdout.split()[0]
    assert key.startswith("rpk_")
    listed = subprocess.run(
        [sys.executable, "-m", "rapport.keys", "list"],
        capture_output=True, text=True, env=env, cwd=Path(__file__).parents[1], check=True,
    )  # fmt: skip
    assert "viewer cli" in listed.stdout
    assert key not in listed.stdout  # never shown again
    plain = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(plain) as connection:
        stored = connection.execute("select key_hash from api_keys where name = 'cli'").fetchone()
    assert stored == (keys.hash_key(key),)
    bad = subprocess.run(
        [sys.executable, "-m", "rapport.keys", "create", "--role", "owner", "--name", "x"],
        capture_output=True, text=True, env=env, cwd=Path(__file__).parents[1],
    )  # fmt: skip
    assert bad.returncode != 0 and "--owner" in bad.stderr


async def test_a_key_revoked_through_the_api_is_refused_at_once_despite_the_key_cache(
    app: FastAPI, client: httpx.AsyncClient, role_keys: dict[str, str]
) -> None:
    async with app.state.sessions.begin() as session:
        record, secret = await keys.create(session, role="viewer", name="cached viewer")
    mine = {"Authorization": f"Bearer {secret}"}
    admin = {"Authorization": f"Bearer {role_keys['admin']}"}
    assert (await client.get("/api/candidates?limit=1", headers=mine)).status_code == 200

    revoked = await client.post(f"/api/keys/{record.id}/revoke", headers=admin)

    assert revoked.status_code == 200
    assert (await client.get("/api/candidates?limit=1", headers=mine)).status_code == 401


async def test_a_key_revoked_elsewhere_is_refused_once_its_cache_time_is_over(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    async with app.state.sessions.begin() as session:
        record, secret = await keys.create(session, role="viewer", name="revoked by the CLI")
    mine = {"Authorization": f"Bearer {secret}"}
    assert (await client.get("/api/candidates?limit=1", headers=mine)).status_code == 200
    # Revoked as `python -m rapport.keys revoke` or another API process would: this process
    # is not told, and trusts the key until RAPPORT_AUTH_CACHE_SECONDS have passed (here: made
    # to have passed, rather than waited for).
    async with app.state.sessions.begin() as session:
        await keys.revoke(session, record.id)
    cache = app.state.key_cache
    for name, (principal, _) in list(cache.entries.items()):
        if principal.key_id == str(record.id):
            cache.entries[name] = (principal, time.monotonic() - cache.seconds)

    assert (await client.get("/api/candidates?limit=1", headers=mine)).status_code == 401
