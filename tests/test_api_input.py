"""Input the database or an email header cannot hold is a 4xx naming the field, never a 500,
and writes nothing; over HTTP against the real dev stack."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jsonschema_rs
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.middleware import MAX_BODY_BYTES, MAX_IMPORT_BYTES
from harness.api_helpers import enrolment
from rapport.db.models import ApiKey, Article, Campaign, Candidate, Invitation, Vacancy

NUL = "\u0000"
AHEAD = (datetime.now(UTC) + timedelta(days=30)).isoformat()


def problems(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 422, response.text
    return {problem["field"]: problem["message"] for problem in response.json()["detail"]}


def vacancy(**overrides: Any) -> dict[str, Any]:
    return {"external_id": f"req-{uuid.uuid4().hex[:8]}", "title": "Data Engineer",
            "skills": ["python"], **overrides}  # fmt: skip


def campaign(**overrides: Any) -> dict[str, Any]:
    return {"external_id": f"cmp-{uuid.uuid4().hex[:8]}", "name": "Spring webinar",
            "kind": "webinar", "title": "Data mesh in practice", **overrides}  # fmt: skip


def article(**overrides: Any) -> dict[str, Any]:
    return {"title": "Spark tips", "url": f"https://blog.example.com/{uuid.uuid4().hex}",
            "tags": ["spark"], **overrides}  # fmt: skip


@pytest.fixture
async def candidate(api: httpx.AsyncClient) -> AsyncIterator[dict[str, Any]]:
    response = await api.post("/api/candidates", json=enrolment())
    assert response.status_code == 201, response.text
    yield response.json()


# The table each route writes to: a refused body must leave it as it was.
TABLES = {"/api/candidates": Candidate, "/api/vacancies": Vacancy, "/api/campaigns": Campaign,
          "/api/articles": Article, "/api/keys": ApiKey}  # fmt: skip
SINGLE_LINE_CASES = [
    ("/api/candidates", enrolment(full_name=f"Ingrid{NUL}"), "full_name"),
    ("/api/candidates", enrolment(location=f"Ber{NUL}lin"), "location"),
    ("/api/candidates", enrolment(skills=["py", f"spa{NUL}rk"]), "skills.1"),
    ("/api/candidates", enrolment(current_title="Lead\r\nBcc: x@example.com"), "current_title"),
    ("/api/candidates", enrolment(external_id=f"ats{NUL}1"), "external_id"),
    ("/api/candidates", enrolment(relationship={"owner": f"sam{NUL}@example.com"}),
     "relationship.owner"),
    ("/api/vacancies", vacancy(external_id=f"req{NUL}1"), "external_id"),
    ("/api/vacancies", vacancy(title="Engineer\r\nBcc: x@example.com"), "title"),
    ("/api/vacancies", vacancy(title=f"Engineer{NUL}"), "title"),
    ("/api/vacancies", vacancy(location="Berlin\u2028Oslo"), "location"),
    ("/api/vacancies", vacancy(skills=["sql\nx"]), "skills.0"),
    ("/api/vacancies", vacancy(url="https://jobs.example.com/1\x00"), "url"),
    ("/api/campaigns", campaign(name=f"Spring{NUL}"), "name"),
    ("/api/campaigns", campaign(title="Webinar\r\nX: y"), "title"),
    ("/api/campaigns", campaign(segment={"skills": [f"py{NUL}"]}), "segment.skills.0"),
    ("/api/articles", article(title=f"Spark{NUL}tips"), "title"),
    ("/api/articles", article(tags=["spark\tx"]), "tags.0"),
    ("/api/keys", {"name": f"ci{NUL}", "role": "viewer"}, "name"),
]  # fmt: skip


async def rows(sessions: async_sessionmaker[AsyncSession], table: Any) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    SINGLE_LINE_CASES,
    ids=[f"{path} {field}" for path, _, field in SINGLE_LINE_CASES],
)
async def test_control_characters_in_a_single_line_field_are_a_422_naming_it(
    api: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    path: str,
    body: dict[str, Any],
    field: str,
) -> None:
    before = await rows(sessions, TABLES[path])
    found = problems(await api.post(path, json=body))
    assert field in found, found
    if field != "relationship.owner":  # refused as not an email, which says so
        assert "control characters" in found[field], found
    assert await rows(sessions, TABLES[path]) == before


async def test_an_invitation_title_with_a_line_break_is_refused(
    api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], candidate: dict[str, Any]
) -> None:
    body = {"kind": "webinar", "title": "Webinar\r\nBcc: all@example.com", "starts_at": AHEAD}
    before = await rows(sessions, Invitation)
    for change in ({}, {"title": "Webinar", "url": "https://example.com/\r\nX: y"}):
        response = await api.post(
            f"/api/candidates/{candidate['id']}/invitations", json={**body, **change}
        )
        assert set(problems(response)) == {"url" if change else "title"}
    assert await rows(sessions, Invitation) == before


async def test_multi_line_fields_keep_line_breaks_and_tabs_but_never_nul(
    api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    text = "Build our pipelines.\r\n\n\tPython, Spark."
    accepted = await api.post("/api/vacancies", json=vacancy(description=text, owner_message=text))
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["description"] == text
    before = await rows(sessions, Vacancy)
    for field in ("description", "owner_message"):
        body = vacancy(**{field: f"Build{NUL} pipelines"})
        found = problems(await api.post("/api/vacancies", json=body))
        assert "control characters other than line breaks" in found[field], found
    assert await rows(sessions, Vacancy) == before
    found = problems(await api.post("/api/candidates", json=enrolment(postal_address="a\x1bb")))
    assert "U+001B" in found["postal_address"], found


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/api/candidates", "text"),
        ("/api/candidates", "owner"),
        ("/api/tasks", "owner"),
        ("/api/articles", "tag"),
    ],
)
async def test_nul_in_a_query_parameter_is_a_422_naming_it(
    api: httpx.AsyncClient, path: str, parameter: str
) -> None:
    found = problems(await api.get(path, params={parameter: f"sam{NUL}"}))
    assert set(found) == {parameter}, found


async def test_matches_owner_with_nul_is_a_422(api: httpx.AsyncClient) -> None:
    created = await api.post("/api/vacancies", json=vacancy())
    assert created.status_code == 201, created.text
    matches = f"/api/vacancies/{created.json()['id']}/matches"
    assert set(problems(await api.get(matches, params={"owner": NUL}))) == {"owner"}


async def test_waiting_owner_with_a_quote_answers(api: httpx.AsyncClient) -> None:
    # An apostrophe is valid in an email and must not break the visibility query built from it.
    response = await api.get("/api/ops/waiting", params={"owner": "o'brien@example.com"})
    assert response.status_code == 200, response.text
    assert set(problems(await api.get("/api/ops/waiting", params={"owner": "x'"}))) == {"owner"}


async def test_csv_rows_with_nul_are_rejected_with_the_reason(api: httpx.AsyncClient) -> None:
    suffix = uuid.uuid4().hex[:8]
    csv_text = (
        "external_id,full_name,timezone,country,skills\n"
        f"csv-{suffix}-1,Ada{NUL} Lovelace,Europe/London,GB,python\n"
        f"csv-{suffix}-2,Grace Hopper,America/New_York,US,cobol;py{NUL}\n"
        f"csv-{suffix}-3,Alan Turing,Europe/London,GB,maths\n"
    )
    response = await api.post(
        "/api/candidates/import", content=csv_text.encode(), headers={"content-type": "text/csv"}
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["created"], report["rejected"]) == (1, 2), str(report["items"])
    rejected = {row["row"]: row["errors"] for row in report["items"] if row["status"] != "created"}
    assert [error["field"] for error in rejected[1]] == ["full_name"]
    assert [error["field"] for error in rejected[2]] == ["skills.1"]
    assert all("control characters" in error["message"] for error in rejected[1] + rejected[2])


async def test_enrolment_without_a_relationship_takes_the_defaults(
    api: httpx.AsyncClient,
) -> None:
    one, many = ({k: v for k, v in enrolment().items() if k != "relationship"} for _ in "ab")
    enrolled = await api.post("/api/candidates", json=one)
    assert enrolled.status_code == 201, enrolled.text
    imported = await api.post("/api/candidates/import", json=[many])
    assert imported.json()["created"] == 1, imported.text
    for body in (one, many):
        found = (await api.get("/api/candidates", params={"text": body["external_id"]})).json()
        relationship = found["items"][0]["relationship"]
        assert (relationship["origin"], relationship["rapport"]) == ("cold_outreach", "cold")


async def test_patch_relationship_null_is_a_422_and_changes_nothing(
    api: httpx.AsyncClient, candidate: dict[str, Any]
) -> None:
    path = f"/api/candidates/{candidate['id']}"
    for field in ("relationship", "full_name", "timezone", "country"):
        found = problems(await api.patch(path, json={field: None, "location": "Oslo"}))
        assert set(found) == {field}, found
        assert "cannot be cleared" in found[field]
    after = (await api.get(path)).json()
    assert after["location"] == candidate["location"]
    assert after["relationship"] == candidate["relationship"]
    cleared = await api.patch(path, json={"location": None, "skills": None})
    assert cleared.status_code == 200, cleared.text
    assert (cleared.json()["location"], cleared.json()["skills"]) == (None, [])


@pytest.mark.parametrize("token", ["abc.%C3%A9", "abc.%E2%82%AC%E2%82%AC", "%C3%A9.abc", "%00.x"])
async def test_a_mangled_unsubscribe_link_is_an_invalid_link(
    api: httpx.AsyncClient, token: str
) -> None:
    public = httpx.AsyncClient(base_url=api.base_url)  # what a mail client sends: no key
    async with public:
        for method in ("GET", "POST"):
            response = await public.request(method, f"/unsubscribe/{token}")
            assert response.status_code == 404, (method, response.text)
            assert "unknown unsubscribe link" in response.text


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b'[{"external_id": "caf\xe9"}]', "UTF-8"),
        (b"[" * 10_000 + b"]" * 10_000, "nested too deeply"),
        (b'[{"a": ' * 10_000 + b"1" + b"}]" * 10_000, "nested too deeply"),
    ],
    ids=["latin-1", "deep lists", "deep objects"],
)
async def test_an_import_body_we_cannot_read_is_a_422(
    api: httpx.AsyncClient, content: bytes, words: str
) -> None:
    response = await api.post(
        "/api/candidates/import", content=content, headers={"content-type": "application/json"}
    )
    found = problems(response)
    assert words in found["body"], found


async def test_an_import_csv_cell_over_the_csv_limit_is_a_422(api: httpx.AsyncClient) -> None:
    csv_text = "external_id,full_name\nx," + "y" * 200_000 + "\n"
    response = await api.post(
        "/api/candidates/import", content=csv_text.encode(), headers={"content-type": "text/csv"}
    )
    assert "not CSV" in problems(response)["body"]


async def chunks(total: int, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        yield b" " * min(size, total - sent)
        sent += size


@pytest.mark.parametrize(
    ("path", "limit"),
    [("/api/candidates", MAX_BODY_BYTES), ("/api/candidates/import", MAX_IMPORT_BYTES)],
)
async def test_an_oversized_chunked_body_is_a_413(
    api: httpx.AsyncClient, path: str, limit: int
) -> None:
    # No Content-Length: httpx streams a generator with Transfer-Encoding: chunked.
    request = api.build_request(
        "POST", path, content=chunks(limit + 1), headers={"content-type": "application/json"}
    )
    assert "content-length" not in request.headers
    assert request.headers["transfer-encoding"] == "chunked"
    response = await api.send(request)
    assert response.status_code == 413, response.text
    assert response.json()["detail"][0]["field"] == "body"


async def test_a_chunked_body_within_the_limit_is_read(api: httpx.AsyncClient) -> None:
    body = enrolment()

    async def stream() -> AsyncIterator[bytes]:
        yield httpx.Request("POST", "/", json=body).content

    response = await api.post(
        "/api/candidates", content=stream(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 201, response.text
    assert response.json()["external_id"] == body["external_id"]


async def test_the_422_body_is_the_one_the_openapi_schema_declares(
    api: httpx.AsyncClient,
) -> None:
    schema = (await api.get("/openapi.json")).json()
    declared = schema["paths"]["/api/candidates"]["post"]["responses"]["422"]
    body_schema = {
        **declared["content"]["application/json"]["schema"],
        "components": schema["components"],
    }
    answers = [
        await api.post("/api/candidates", json=enrolment(timezone="Mars/Olympus_Mons")),
        await api.get("/api/candidates", params={"limit": 0}),
        await api.post("/api/candidates/import", content=b"{", headers={"content-type": ""}),
    ]
    for response in answers:
        assert response.status_code == 422, response.text
        jsonschema_rs.validate(body_schema, response.json())
    assert "message" in schema["components"]["schemas"]["ValidationError"]["required"]
