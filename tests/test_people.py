"""The team directory over HTTP on the dev stack: one entry per email (in any case), changes,
an import reported row by row, refusals that name the field; and a candidate's language."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from harness.api_helpers import enrolment


def person(**overrides: Any) -> dict[str, Any]:
    suffix = uuid.uuid4().hex[:8]
    body: dict[str, Any] = {
        "email": f"Maria.Owner.{suffix}@Acme.example",
        "name": "Maria Owner",
        "first_name": "Maria",
        "title": "Head of Talent",
        "role": "hr",
        "signature": "Maria Owner\nHead of Talent, Acme",
        "linkedin_url": f"https://www.linkedin.com/in/maria-{suffix}",
        "languages": ["en", "DE-at"],
    }
    body.update(overrides)
    return body


async def test_an_entry_is_made_once_and_found_in_any_case(api: httpx.AsyncClient) -> None:
    body = person()
    created = await api.post("/api/people", json=body)
    assert created.status_code == 201, created.text
    entry = created.json()
    assert entry["email"] == body["email"].lower()
    assert entry["languages"] == ["en", "de-AT"]
    assert entry["signature"] == "Maria Owner\nHead of Talent, Acme"

    shouted = {**body, "email": body["email"].upper(), "name": "X"}
    again = await api.post("/api/people", json=shouted)
    assert again.status_code == 200
    assert (again.json()["id"], again.json()["name"]) == (entry["id"], "Maria Owner")

    found = await api.get(f"/api/people/{body['email'].upper()}")
    assert found.status_code == 200 and found.json()["id"] == entry["id"]
    listed = (await api.get("/api/people")).json()["items"]
    assert [item["id"] for item in listed if item["email"] == entry["email"]] == [entry["id"]]
    assert (await api.get("/api/people/nobody@acme.example")).status_code == 404


async def test_a_change_keeps_what_it_does_not_name(api: httpx.AsyncClient) -> None:
    body = person()
    await api.post("/api/people", json=body)
    changed = await api.patch(
        f"/api/people/{body['email']}",
        json={"name": "Maria Owner-Lind", "signature": None, "languages": ["de"]},
    )
    assert changed.status_code == 200, changed.text
    entry = changed.json()
    assert (entry["name"], entry["signature"], entry["languages"]) == (
        "Maria Owner-Lind", None, ["de"],
    )  # fmt: skip
    assert (entry["first_name"], entry["title"]) == ("Maria", "Head of Talent")

    other = person()
    await api.post("/api/people", json=other)
    taken = await api.patch(f"/api/people/{body['email']}", json={"email": other["email"]})
    assert taken.status_code == 409
    cleared = await api.patch(f"/api/people/{body['email']}", json={"name": None})
    assert cleared.status_code == 422 and cleared.json()["detail"][0]["field"] == "name"
    missing = await api.patch("/api/people/nobody@acme.example", json={"title": "CTO"})
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "maria"),
        ("name", ""),
        ("name", "Maria\r\nBcc: x@example.com"),
        ("first_name", "Ma\u2028ria"),
        ("role", "recruiter"),
        ("signature", "\n".join(["line"] * 7)),
        ("signature", "x" * 501),
        ("linkedin_url", "https://example.com/maria"),
        ("languages", ["de_AT"]),
        ("languages", ["german"]),
    ],
)
async def test_bad_input_names_the_field(api: httpx.AsyncClient, field: str, value: Any) -> None:
    response = await api.post("/api/people", json=person(**{field: value}))
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"].split(".")[0] == field


CSV = """email,name,first_name,title,role,signature,languages
{a}@acme.example,Zoë Müller,Zoë,CTO,ceo,Zoë Müller\\nCTO,de;en
{a}@acme.example,Zoë Again,,,,,
{b}@acme.example,Bo Chen,,,recruiter,,
not-an-email,Cy Diaz,,,,,
"""


async def test_import_reports_each_row(api: httpx.AsyncClient) -> None:
    names = {name: f"csv-{name}-{uuid.uuid4().hex[:6]}" for name in "ab"}
    response = await api.post(
        "/api/people/import",
        files={"file": ("people.csv", CSV.format(**names).encode(), "text/csv")},
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert [item["status"] for item in report["items"]] == [
        "created", "existing", "rejected", "rejected",
    ]  # fmt: skip
    assert (report["created"], report["existing"], report["rejected"]) == (1, 1, 2)
    assert report["items"][2]["errors"][0]["field"] == "role"
    assert report["items"][3]["errors"][0]["field"] == "email"
    zoe = (await api.get(f"/api/people/{names['a']}@acme.example")).json()
    assert (zoe["name"], zoe["signature"], zoe["languages"]) == ("Zoë Müller", "Zoë Müller\nCTO",
                                                                 ["de", "en"])  # fmt: skip

    again = await api.post("/api/people/import", json=[{"email": f"{names['b']}@acme.example",
                                                        "name": "Bo Chen"}])  # fmt: skip
    assert [item["status"] for item in again.json()["items"]] == ["created"]


async def test_a_candidate_has_a_language(api: httpx.AsyncClient) -> None:
    created = await api.post("/api/candidates", json=enrolment(language="DE-at"))
    assert created.status_code == 201, created.text
    assert created.json()["language"] == "de-AT"
    path = f"/api/candidates/{created.json()['id']}"
    assert (await api.patch(path, json={"language": "ja"})).json()["language"] == "ja"
    refused = await api.patch(path, json={"language": "Japanese"})
    assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "language"
    assert (await api.patch(path, json={"language": None})).json()["language"] is None

    suffix = uuid.uuid4().hex[:6]
    text = (
        "external_id,full_name,timezone,country,language\n"
        f"lang-{suffix}-1,Jörg Bauer,Europe/Vienna,AT,de-AT\n"
        f"lang-{suffix}-2,Ana Lima,America/Sao_Paulo,BR,pt_BR\n"
    )
    report = (
        await api.post("/api/candidates/import", content=text, headers={"content-type": "text/csv"})
    ).json()
    assert [item["status"] for item in report["items"]] == ["created", "rejected"]
    assert report["items"][1]["errors"][0]["field"] == "language"
    joerg = (await api.get(f"/api/candidates/{report['items'][0]['id']}")).json()
    assert joerg["language"] == "de-AT"
    listed = (await api.get("/api/candidates", params={"text": f"lang-{suffix}"})).json()
    assert [item["language"] for item in listed["items"]] == ["de-AT"]
