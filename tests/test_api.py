"""The API over HTTP, served by the real dev stack (API, worker, Temporal, PostgreSQL, SMTP)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from temporalio.client import Client

from harness.api_helpers import days_ahead, enrolment
from harness.stack import RunningStack


@pytest.fixture(scope="session")
async def temporal(stack: RunningStack) -> Client:
    return await Client.connect(stack.temporal_address)


async def test_healthz(api: httpx.AsyncClient) -> None:
    response = await api.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "temporal": "ok"}


async def test_enrol_then_same_external_id_returns_the_same_candidate(
    api: httpx.AsyncClient, temporal: Client
) -> None:
    body = enrolment()
    first = await api.post("/api/candidates", json=body)
    assert first.status_code == 201, first.text
    created = first.json()
    assert created["workflow_id"] == f"candidate-{created['id']}"
    assert created["birthday"] == body["birthday"]
    assert created["relationship"]["owner"] == "sam.lee@example.com"
    assert created["stage"] == "nurturing"

    again = await api.post("/api/candidates", json={**body, "full_name": "Someone Else"})
    assert again.status_code == 200
    assert again.json()["id"] == created["id"]
    assert again.json()["full_name"] == body["full_name"]

    runs = [
        execution
        async for execution in temporal.list_workflows(f"WorkflowId = '{created['workflow_id']}'")
    ]
    assert len(runs) <= 1  # visibility may lag; the describe below is authoritative
    description = await temporal.get_workflow_handle(created["workflow_id"]).describe()
    assert description.run_id is not None
    listed = await api.get("/api/candidates", params={"text": body["external_id"]})
    assert [item["id"] for item in listed.json()["items"]] == [created["id"]]


async def test_concurrent_enrolments_of_one_person_make_one_candidate(
    api: httpx.AsyncClient,
) -> None:
    body = enrolment()
    responses = await asyncio.gather(*(api.post("/api/candidates", json=body) for _ in range(5)))
    assert sorted(r.status_code for r in responses) == [200, 200, 200, 200, 201]
    assert len({r.json()["id"] for r in responses}) == 1


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "unknown time zone"),
        ({"birthday": "1990-02-30"}, "birthday", "not a real date"),
        ({"birthday": "02-30"}, "birthday", "not a real date"),
        ({"birthday": "3000-01-01"}, "birthday", "future"),
        ({"email": "not-an-email"}, "email", "email"),
        ({"country": "XX"}, "country", "unknown country"),
        ({"job_started_on": "2021-13-01"}, "job_started_on", "date"),
        ({"linkedin_url": "https://example.com/me"}, "linkedin_url", "linkedin"),
        ({"consent": {"carrier_pigeon": True}}, "consent.carrier_pigeon", "email"),
        ({"relationship": {"origin": "telepathy"}}, "relationship.origin", "in_person_event"),
        ({"relationship": {"rapport": "lukewarm"}}, "relationship.rapport", "strong"),
        ({"relationship": {"owner_role": "intern"}}, "relationship.owner_role", "hr"),
        ({"relationship": {"owner": "nobody"}}, "relationship.owner", "email"),
        ({"full_name": ""}, "full_name", "at least 1"),
        ({"skills": ["x"] * 101}, "skills", "at most 100"),
        ({"favourite_colour": "green"}, "favourite_colour", "not permitted"),
    ],
)
async def test_bad_input_is_a_422_naming_the_field_and_writes_nothing(
    api: httpx.AsyncClient, change: dict[str, Any], field: str, words: str
) -> None:
    body = enrolment(**change)
    response = await api.post("/api/candidates", json=body)
    assert response.status_code == 422, response.text
    problems = response.json()["detail"]
    assert field in [problem["field"] for problem in problems], problems
    message = next(p["message"] for p in problems if p["field"] == field)
    assert words.lower() in message.lower(), message
    listed = await api.get("/api/candidates", params={"text": body["external_id"]})
    assert listed.json()["items"] == []


async def test_missing_required_fields_are_named(api: httpx.AsyncClient) -> None:
    response = await api.post("/api/candidates", json={"external_id": "only-this"})
    assert response.status_code == 422
    fields = {problem["field"] for problem in response.json()["detail"]}
    assert {"full_name", "timezone", "country"} <= fields


@pytest.mark.parametrize("candidate_id", [str(uuid.uuid4()), "not-a-uuid"])
async def test_unknown_candidate_is_404(api: httpx.AsyncClient, candidate_id: str) -> None:
    for path in ("", "/plan", "/touches"):
        response = await api.get(f"/api/candidates/{candidate_id}{path}")
        assert response.status_code == 404, path
    patch = await api.patch(f"/api/candidates/{candidate_id}", json={"location": "Oslo"})
    assert patch.status_code == 404


async def test_detail_has_live_stage_and_next_touch(api: httpx.AsyncClient) -> None:
    # The birthday first, in three weeks: before the first check-in (which its contact budget
    # would skip, leaving no channel), and not greeted while the test runs.
    birthday = f"{days_ahead(20):%m-%d}"
    created = (await api.post("/api/candidates", json=enrolment(birthday=birthday))).json()
    detail = (await api.get(f"/api/candidates/{created['id']}", params={"live": "true"})).json()
    assert detail["stage"] == "nurturing"
    assert detail["status_source"] == "workflow"
    touch = detail["next_touch"]
    assert touch is not None
    assert set(touch) >= {"occasion", "channel", "sender_role", "due_at"}
    assert touch["channel"] == "email"
    assert touch["sender_role"] == "employee"
    assert touch["due_at"].endswith(("+00:00", "Z"))
    assert detail["birthday"] == birthday
    assert touch["occasion"] == "birthday"


async def test_plan_lists_two_years_of_greetings(api: httpx.AsyncClient) -> None:
    created = (await api.post("/api/candidates", json=enrolment())).json()
    response = await api.get(f"/api/candidates/{created['id']}/plan", params={"days": 731})
    assert response.status_code == 200
    items = response.json()["items"]
    greetings = [i["occasion"] for i in items if i["occasion"] in ("birthday", "work_anniversary")]
    assert sorted(greetings) == ["birthday", "birthday", "work_anniversary", "work_anniversary"]
    # Check-ins fill the gaps, paced by the relationship; every item says how it will go.
    assert any(item["occasion"] == "check_in" for item in items)
    assert {item["status"] for item in items} <= {"automatic", "assisted", "skip"}
    assert all(item["reason"] for item in items if item["status"] == "skip")
    due = [item["due_at"] for item in items]
    assert due == sorted(due)
    too_long = await api.get(f"/api/candidates/{created['id']}/plan", params={"days": 0})
    assert too_long.status_code == 422
    assert too_long.json()["detail"][0]["field"] == "days"


async def test_patch_replans_the_workflow(api: httpx.AsyncClient) -> None:
    created = (await api.post("/api/candidates", json=enrolment(job_started_on=None))).json()
    plan_url = f"/api/candidates/{created['id']}/plan"

    async def occasions() -> set[str]:
        items = (await api.get(plan_url, params={"days": 731})).json()["items"]
        return {item["occasion"] for item in items} - {"check_in"}

    assert await occasions() == {"birthday"}
    response = await api.patch(
        f"/api/candidates/{created['id']}", json={"birthday": None, "job_started_on": "2020-01-20"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["birthday"] is None
    for _ in range(50):
        if await occasions() == {"work_anniversary"}:
            break
        await asyncio.sleep(0.1)
    assert await occasions() == {"work_anniversary"}
    detail = (await api.get(f"/api/candidates/{created['id']}", params={"live": "true"})).json()
    assert detail["status_source"] == "workflow"

    bad = await api.patch(f"/api/candidates/{created['id']}", json={"timezone": "Nowhere/Land"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "timezone"
    cleared = await api.patch(f"/api/candidates/{created['id']}", json={"timezone": None})
    assert cleared.status_code == 422


async def test_list_filters_and_pages(api: httpx.AsyncClient) -> None:
    owner = f"owner-{uuid.uuid4().hex[:6]}@example.com"
    ids = []
    for _ in range(5):
        body = enrolment(relationship={"origin": "referral", "rapport": "warm", "owner": owner})
        ids.append((await api.post("/api/candidates", json=body)).json()["id"])

    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"owner": owner, "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await api.get("/api/candidates", params=params)).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids
    engaged = await api.get("/api/candidates", params={"owner": owner, "stage": "engaged"})
    assert engaged.json()["items"] == []
    bad_stage = await api.get("/api/candidates", params={"stage": "sleepy"})
    assert bad_stage.status_code == 422
    assert bad_stage.json()["detail"][0]["field"] == "stage"


async def test_import_json_reports_each_row(api: httpx.AsyncClient) -> None:
    good = enrolment()
    duplicate = dict(good)
    existing = enrolment()
    await api.post("/api/candidates", json=existing)
    rows = [good, enrolment(timezone="Atlantis/Capital"), duplicate, existing, "not an object"]

    response = await api.post("/api/candidates/import", json=rows)

    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["created"], report["existing"], report["rejected"]) == (1, 2, 2)
    statuses = [(item["row"], item["status"]) for item in report["items"]]
    assert statuses == [
        (1, "created"),
        (2, "rejected"),
        (3, "existing"),
        (4, "existing"),
        (5, "rejected"),
    ]
    assert report["items"][1]["errors"][0]["field"] == "timezone"
    assert report["items"][0]["id"] == report["items"][2]["id"]


CSV = """external_id,full_name,email,timezone,country,birthday,skills,consent_email,relationship_origin,relationship_rapport,relationship_owner
{a},Ana Lima,ana.{a}@example.com,America/Sao_Paulo,BR,04-02,python;go,yes,in_person_event,strong,rui@example.com
{b},Bo Chen,bo.{b}@example.com,Asia/Shanghai,CN,1985-02-30,java,no,referral,warm,
{c},Cy Diaz,not-an-email,Europe/Madrid,ES,,,,cold_outreach,cold,
"""  # noqa: E501


@pytest.mark.parametrize("how", ["multipart", "text/csv"])
async def test_import_csv(api: httpx.AsyncClient, how: str) -> None:
    keys = {name: f"csv-{name}-{uuid.uuid4().hex[:6]}" for name in "abc"}
    text = CSV.format(**keys)
    if how == "multipart":
        response = await api.post(
            "/api/candidates/import", files={"file": ("people.csv", text, "text/csv")}
        )
    else:
        response = await api.post(
            "/api/candidates/import", content=text, headers={"content-type": "text/csv"}
        )
    assert response.status_code == 200, response.text
    report = response.json()
    assert [item["status"] for item in report["items"]] == ["created", "rejected", "rejected"]
    assert report["items"][1]["errors"][0]["field"] == "birthday"
    assert report["items"][2]["errors"][0]["field"] == "email"
    ana = (await api.get(f"/api/candidates/{report['items'][0]['id']}")).json()
    assert ana["skills"] == ["python", "go"]
    assert ana["consent"] == {"email": True}
    assert ana["relationship"]["rapport"] == "strong"
    assert ana["birthday"] == "04-02"


async def test_import_rejects_what_is_not_a_list(api: httpx.AsyncClient) -> None:
    response = await api.post("/api/candidates/import", json={"external_id": "x"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "body"


async def test_touches_of_a_new_candidate_are_empty(api: httpx.AsyncClient) -> None:
    created = (await api.post("/api/candidates", json=enrolment())).json()
    response = await api.get(f"/api/candidates/{created['id']}/touches")
    assert response.json() == {"items": []}
