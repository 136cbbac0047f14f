"""Workspace benchmark: p50/p95 of every page of the web workspace (`/app`) with N candidates
and P people using it at once, each signed in through the sign-in form. Goal: p95 < 300 ms.

    .venv/bin/python -m bench.workspace --candidates 10000 --people 8

It starts the dev stack (as bench.api_reads does), imports N candidates (bench.enrolment's way,
their relationships held by the benchmark's owners in turn), lets the task queue settle and
vacuums the database (VACUUM ANALYZE, as autovacuum would some time after such an import).
Then it makes a key for each person (half HR, half owners; `POST /api/keys`), signs each in
through `/app/sign-in` (its own cookie jar, as a browser), and every person opens every page in
a shuffled order, `--rounds` times, all people at once (a page refused to their role with a
403, the enrol form for an owner, is not counted).

The pages are found, not listed: every GET route of the app under `/app` (`pages()`), with
its path parameters filled in by FILL (a candidate an owner may see, say) and some pages asked
in several ways (VARIANTS: the list with each filter and a search). A page whose parameters
nobody knows how to fill is reported as skipped, so a new page shows up in the figures, or
in the list of skipped ones, without editing this file; give it a FILL entry.

Prints p50/p95 and the answers' statuses of each page and writes them to bench/results/: first
with every person opening the next page at once (flat out: 8 people are then a constant 8
requests in flight, a heavier load than 8 people reading), then again with each person reading
each page for about `--think` seconds (default 2) before the next, as people do.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from temporalio.client import Client

from bench.api_cost import api_pid, cpu_seconds
from bench.enrolment import import_all
from bench.measure import all_published, percentile, settle, vacuum, write_results
from bench.stack import TASK_QUEUE, bench_database, dev_stack, say
from harness.api_helpers import enrolment

GOAL_P95_MS = 300.0
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
OWNER_EMAIL = "bench.owner{}@example.com"
# Pages asked in more than one way: name suffix → query string.
VARIANTS: dict[str, dict[str, str]] = {
    "/app/candidates": {
        "": "",
        " ?stage": "stage=nurturing",
        " ?owner": "owner={owner}",
        " ?origin+rapport": "origin=former_colleague&rapport=warm",
        " ?skill": "skill=spark",
        " ?text": "text=okonkwo",
        " ?text (no match)": "text=zzqx-nobody",
    },
}


@dataclass
class Person:
    role: str
    owner: str | None
    client: httpx.AsyncClient
    candidate_ids: list[str] = field(default_factory=list)
    # What the benchmark opened for its pages to show: a vacancy, a campaign (their ids).
    seeded: dict[str, str] = field(default_factory=dict)


# How to fill a path parameter for one person; None: this page cannot be drawn for them.
FILL: dict[str, Callable[[Person], str | None]] = {
    "candidate_id": lambda person: random.choice(person.candidate_ids or [""]) or None,
    "key": lambda person: "email/birthday",  # a message template (HR's; an owner gets 403)
    "vacancy_id": lambda person: person.seeded.get("vacancy_id"),
    "campaign_id": lambda person: person.seeded.get("campaign_id"),
    # An import's report lives in the memory of the API process, for the key that started
    # it: not drawn here (tests/workspace draws it).
    "job_id": lambda person: None,
}
# A path parameter, with its converter if any: {candidate_id}, {key:path}.
PARAMETER = re.compile(r"{(\w+)(?::\w+)?}")


@dataclass(frozen=True)
class Page:
    name: str
    path: str  # a template: /app/candidates/{candidate_id}
    query: str = ""


def pages() -> tuple[list[Page], list[str]]:
    """Every GET page of the workspace, with its variants; and the templates skipped."""
    from api.main import create_app  # here: building the app reads the settings

    found: list[Page] = []
    skipped: list[str] = []
    for path, methods in routes(create_app().routes):
        if "GET" not in methods or not path.startswith("/app/"):
            continue
        if any(name not in FILL for name in PARAMETER.findall(path)):
            skipped.append(path)
            continue
        for suffix, query in VARIANTS.get(path, {"": ""}).items():
            found.append(Page(path + suffix, path, query))
    return found, skipped


def routes(listed: Sequence[Any]) -> Iterator[tuple[str, set[str]]]:
    """Every route's full path and methods. FastAPI keeps an included router as one entry
    that lists its routes, prefixed, only when asked (`effective_candidates`); the workspace's
    pages are not in the OpenAPI document, so they are read from there."""
    for route in listed:
        if hasattr(route, "effective_candidates"):
            yield from routes(route.effective_candidates())
        elif isinstance(getattr(route, "path", None), str):
            yield route.path, set(getattr(route, "methods", None) or ())


def url_for(page: Page, person: Person) -> str | None:
    values = {name: FILL[name](person) for name in PARAMETER.findall(page.path)}
    if any(value is None for value in values.values()):
        return None
    path = PARAMETER.sub(lambda found: str(values[found.group(1)]), page.path)
    query = page.query.format(owner=person.owner or OWNER_EMAIL.format(0))
    return f"{path}?{query}" if query else path


async def signed_in(base_url: str, key: str) -> httpx.AsyncClient:
    """A client with a cookie jar, signed in through the form as a browser would be."""
    client = httpx.AsyncClient(base_url=base_url, timeout=60)
    form = await client.get("/app/sign-in")
    token = TOKEN.search(form.text)
    if token is None:
        raise RuntimeError(f"no sign-in form: {form.status_code}")
    answer = await client.post("/app/sign-in", data={"key": key, "csrf_token": token[1]})
    if answer.status_code != 303:
        raise RuntimeError(f"sign-in answered {answer.status_code}: {answer.text[:200]}")
    return client


async def make_people(api: httpx.AsyncClient, base_url: str, count: int) -> list[Person]:
    """Half HR (at least one), the rest owners, each signed in with a key of their own."""
    people = []
    for number in range(count):
        owner = OWNER_EMAIL.format(number) if number % 2 else None
        body: dict[str, Any] = {"role": "owner" if owner else "hr", "name": f"Bench {number}"}
        if owner:
            body["owner"] = owner
        made = await api.post("/api/keys", json=body)
        made.raise_for_status()
        client = await signed_in(base_url, made.json()["key"])
        people.append(Person(body["role"], owner, client))
    return people


def population(count: int, people: int) -> list[dict[str, Any]]:
    """`count` enrolments, held by the benchmark's owners in turn (and by nobody of theirs)."""
    owners = [OWNER_EMAIL.format(number) for number in range(1, people, 2)]
    owners = owners or ["sam.lee@example.com"]
    rows = []
    for number in range(count):
        row = enrolment()
        row["relationship"]["owner"] = owners[number % len(owners)]
        rows.append(row)
    return rows


async def candidate_ids(api: httpx.AsyncClient) -> list[tuple[str, str | None]]:
    """Every candidate's id and owner, through the API's list."""
    found: list[tuple[str, str | None]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 200} | ({"cursor": cursor} if cursor else {})
        page = (await api.get("/api/candidates", params=params)).json()
        found += [(item["id"], item["relationship"]["owner"]) for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            return found


async def seed_pages(api: httpx.AsyncClient) -> dict[str, str]:
    """A vacancy that matches the population's skills and a campaign, for their pages."""
    vacancy = await api.post(
        "/api/vacancies",
        json={"external_id": "bench-vacancy", "title": "Data engineer", "skills": ["python"]},
    )
    vacancy.raise_for_status()
    campaign = await api.post(
        "/api/campaigns",
        json={"external_id": "bench-campaign", "name": "Bench webinar", "kind": "webinar",
              "title": "Data at scale"},
    )  # fmt: skip
    campaign.raise_for_status()
    return {"vacancy_id": vacancy.json()["id"], "campaign_id": campaign.json()["id"]}


async def measure(
    people: list[Person], found: list[Page], rounds: int, think: float = 0.0
) -> dict[str, dict[str, Any]]:
    """Every person opens every page, shuffled, `rounds` times, all at once; with `think`,
    reading each page for between half and one and a half times that many seconds before the
    next, as a person does (0: the next page at once)."""
    samples: dict[str, list[float]] = {page.name: [] for page in found}
    statuses: dict[str, dict[str, int]] = {page.name: {} for page in found}
    refused: dict[str, set[str]] = {page.name: set() for page in found}

    async def browse(person: Person) -> None:
        for _ in range(rounds):
            for page in random.sample(found, len(found)):
                url = url_for(page, person)
                if url is None:
                    continue
                began = time.monotonic()
                answer = await person.client.get(url)
                if answer.status_code == 403:  # not a page for their role (owners: enrol)
                    refused[page.name].add(person.role)
                    continue
                samples[page.name].append(time.monotonic() - began)
                code = str(answer.status_code)
                statuses[page.name][code] = statuses[page.name].get(code, 0) + 1
                if think:
                    await asyncio.sleep(think * random.uniform(0.5, 1.5))

    await asyncio.gather(*(browse(person) for person in people))
    figures: dict[str, dict[str, Any]] = {}
    for page in found:
        taken = samples[page.name]
        figures[page.name] = {
            "requests": len(taken),
            "p50_ms": round(percentile(taken, 0.5) * 1000, 1) if taken else None,
            "p95_ms": round(percentile(taken, 0.95) * 1000, 1) if taken else None,
            "statuses": statuses[page.name],
            "refused_to": sorted(refused[page.name]),
        }
    return figures


async def run(
    api_url: str,
    admin_key: str,
    temporal: str | None,
    count: int,
    people: int,
    rounds: int,
    database_url: str | None = None,
    api_process: int | None = None,
    think: float = 0.0,
) -> dict[str, Any]:
    """Seed, sign the people in, measure; the figures (the smoke test calls this too)."""
    headers = {"Authorization": f"Bearer {admin_key}"}
    async with httpx.AsyncClient(base_url=api_url, timeout=600, headers=headers) as api:
        say(f"importing {count} candidates")
        await import_all(api, population(count, people))
        if temporal:
            await settle(await Client.connect(temporal), TASK_QUEUE, 3600)
        if database_url:
            await all_published(database_url, count, 3600)
            vacuum(database_url)
        everyone = await candidate_ids(api)
        team = await make_people(api, api_url, people)
        seeded = await seed_pages(api)
    for person in team:
        person.seeded = seeded
        person.candidate_ids = [
            candidate for candidate, owner in everyone if person.owner in (None, owner)
        ]
    found, skipped = pages()
    say(f"{len(found)} pages, {people} people, {rounds} rounds; skipped: {skipped or 'none'}")
    # Where the time went: the API process's CPU and this process's own (the people's HTTP
    # clients share the machine with the stack), over the measurement's wall time.
    began, own_cpu = time.monotonic(), time.process_time()
    api_cpu = cpu_seconds(api_process) if api_process else 0.0
    try:
        figures = await measure(team, found, rounds)
        spent_flat_out = {
            "wall_s": round(time.monotonic() - began, 1),
            "api_cpu_s": (round(cpu_seconds(api_process) - api_cpu, 1) if api_process else None),
            "benchmark_cpu_s": round(time.process_time() - own_cpu, 1),
            "requests": sum(figure["requests"] for figure in figures.values()),
        }
        reading = await measure(team, found, rounds, think) if think else None
    finally:
        for person in team:
            await person.client.aclose()
    return {"candidates": count, "people": people, "rounds": rounds, "skipped": skipped,
            "goal_p95_ms": GOAL_P95_MS, "spent": spent_flat_out, "pages": figures,
            "think_s": think, "pages_reading": reading}  # fmt: skip


def show(figures: dict[str, Any], key: str = "pages") -> str:
    lines = []
    for name, figure in (figures[key] or {}).items():
        p95 = figure["p95_ms"]
        over = "  over the goal" if p95 is not None and p95 >= GOAL_P95_MS else ""
        lines.append(
            f"  {name:<44} p50 {figure['p50_ms']} ms  p95 {p95} ms  "
            f"({figure['requests']} requests, {figure['statuses']}){over}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.workspace", description=__doc__)
    parser.add_argument("--candidates", type=int, default=10000, help="candidates (N)")
    parser.add_argument("--people", type=int, default=8, help="people signed in at once")
    parser.add_argument("--rounds", type=int, default=10, help="times each opens each page")
    parser.add_argument(
        "--think", type=float, default=2.0,
        help="then again, each person reading a page this many seconds (0.5-1.5x) before the "
        "next; 0: only the run flat out",
    )  # fmt: skip
    parser.add_argument("--json", type=Path, help="write the figures here, not to bench/results")
    args = parser.parse_args()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        with bench_database() as database_url, dev_stack(database_url, None, None) as stack:
            figures = asyncio.run(
                run(stack.api_url, stack.env["RAPPORT_ADMIN_API_KEY"], stack.temporal_address,
                    args.candidates, args.people, args.rounds, database_url, api_pid(stack),
                    args.think)
            )  # fmt: skip
    except KeyboardInterrupt:
        say("interrupted; cleaned up")
        sys.exit(130)
    say(f"{args.candidates} candidates, {args.people} people at once\n{show(figures)}")
    say(f"  spent: {figures['spent']}")
    if figures["pages_reading"]:
        reading = show(figures, "pages_reading")
        say(f"the same, each person reading a page ~{args.think:g} s\n{reading}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    say(f"written to {args.json or write_results('workspace', figures)}")


if __name__ == "__main__":
    main()
