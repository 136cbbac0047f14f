"""PostgreSQL frozen (SIGSTOP) for 30 s while the worker sends birthday emails and HR enrols more
candidates: enrolments answer 503 within their bound (an import under way when the freeze
begins too), a client sends them again once the database is back, and no email is lost or
doubled unflagged, those of the enrolments refused during the freeze included.

The PostgreSQL frozen is this test's own (embedded), never the shared server; the API's part
of a frozen database is `tests/test_frozen_dependencies.py`, whose bounds and checks are
reused here: this test is about the sends.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.client import Client

from harness.api_helpers import birthday_on, enrolment
from harness.population import (
    Place,
    Sessions,
    birthday_touches,
    due_birthdays,
    settle,
    start_all,
    tally,
)
from harness.postgres import embedded_server_and_pid, fresh_database
from harness.processes import frozen, settings_of
from harness.smtp import CountingSMTP, counting_smtp
from harness.stack import AUTH, launch, stack_env, stop_stack
from rapport.codec import new_key
from rapport.db.session import make_engine, make_session_factory
from rapport.settings import Settings
from rapport.temporal import connect

from ..test_frozen_dependencies import (
    BOUNDS,
    HTTP_TIMEOUT_SECONDS,
    assert_unavailable,
    healthy_again,
    timed,
)

pytestmark = pytest.mark.faults

# Due before the freeze (their workflows started at once, not through the API, so that most
# of their emails are still to go when it starts), and an import under way as it begins.
BEFORE, UNDER_WAY = 100, 20
FREEZE_SECONDS = 30.0
# Enrolled during the freeze: one at a time and in an import, at its start and 20 s in.
SINGLE, IMPORTED, SECOND_ROUND_AT = 3, 4, 20.0
FIRST_SEND_WITHIN = 60.0
RETRY_WITHIN = 60.0
# Sends failed by the freeze are retried with backoff (5, 10, 20, 40 s after each failure).
SETTLE_WITHIN = 240.0


@dataclass
class Frozen:
    api: httpx.AsyncClient
    smtp: CountingSMTP
    postgres_pid: int
    sessions: Sessions
    client: Client
    settings: Settings


@contextlib.asynccontextmanager
async def stack_on_freezable_postgres(root: Path) -> AsyncIterator[Frozen]:
    """The dev stack (worker and API) on an embedded PostgreSQL of its own, sending to a
    counting SMTP server; a Temporal client and sessions of the test's own beside it."""
    with contextlib.ExitStack() as stack:
        admin, pid = stack.enter_context(embedded_server_and_pid("rapport-faults-pg-"))
        url = stack.enter_context(fresh_database(admin, "rapport_frozen_"))
        smtp, port = stack.enter_context(counting_smtp())
        env = {
            **stack_env(root, url), **BOUNDS, "RAPPORT_ENCRYPTION_KEYS": new_key(),
            "RAPPORT_SMTP_HOST": "127.0.0.1", "RAPPORT_SMTP_PORT": str(port),
        }  # fmt: skip
        running = launch(root, env)
        stack.callback(stop_stack, running)
        settings = settings_of(env, temporal_address=running.temporal_address)
        engine = make_engine(url)
        try:
            async with httpx.AsyncClient(
                base_url=running.api_url, headers=AUTH, timeout=HTTP_TIMEOUT_SECONDS
            ) as api:
                client = await connect(settings)
                yield Frozen(api, smtp, pid, make_session_factory(engine), client, settings)
        finally:
            await engine.dispose()


def due_today(place: Place) -> dict[str, Any]:
    return enrolment(
        timezone=place.zone, country=place.country, birthday=birthday_on(place.local.date())
    )


async def enrol_during_the_freeze(api: httpx.AsyncClient, place: Place) -> list[dict[str, Any]]:
    """Enrolments one at a time and in an import, each answered 503 within its bound."""
    singles = [due_today(place) for _ in range(SINGLE)]
    batch = [due_today(place) for _ in range(IMPORTED)]
    answers = await asyncio.gather(
        *(timed(api.post("/api/candidates", json=body)) for body in singles),
        timed(api.post("/api/candidates/import", json=batch)),
    )
    for answer in answers:
        assert_unavailable(answer)
    return [*singles, *batch]


async def accepted(send: Callable[[], Awaitable[httpx.Response]]) -> httpx.Response:
    """Send until it is not a 503 (a client's retry, after Retry-After at most a few seconds):
    once the database is back, a loaded machine may still answer 503 for a while, since the
    bounds here are tight. The last answer, which must be a success."""
    deadline = time.monotonic() + RETRY_WITHIN
    while True:
        response = await send()
        if response.status_code != 503 or time.monotonic() > deadline:
            assert response.status_code in (200, 201), response.text
            return response
        await asyncio.sleep(min(float(response.headers.get("retry-after", 1)), 3.0))


async def test_a_frozen_postgres_loses_no_send_and_refused_enrolments_can_be_made_again(
    tmp_path: Path, report: Callable[[str], None]
) -> None:
    async with stack_on_freezable_postgres(tmp_path / "stack") as it:
        api, smtp = it.api, it.smtp
        place = Place.now()
        await start_all(it.client, it.settings, await due_birthdays(it.sessions, BEFORE, place))
        assert await asyncio.to_thread(smtp.first.wait, FIRST_SEND_WITHIN), "no email"
        under_way = [due_today(place) for _ in range(UNDER_WAY)]
        importing = asyncio.create_task(timed(api.post("/api/candidates/import", json=under_way)))
        await asyncio.sleep(1.0)

        with frozen(it.postgres_pid):
            started = time.monotonic()
            at_freeze = smtp.count()
            refused = await enrol_during_the_freeze(api, place)
            import_answer, import_seconds = await importing
            await asyncio.sleep(max(0.0, SECOND_ROUND_AT - (time.monotonic() - started)))
            refused += await enrol_during_the_freeze(api, place)
            await asyncio.sleep(max(0.0, FREEZE_SECONDS - (time.monotonic() - started)))
            during = smtp.count() - at_freeze

        await healthy_again(api)
        # What a client does with a 503: send it again. Nothing was half-written the first
        # time; the rows an import enrolled before it stopped come back as existing.
        again = await accepted(lambda: api.post("/api/candidates/import", json=under_way))
        assert {row["status"] for row in again.json()["items"]} <= {"created", "existing"}
        for body in refused:
            await accepted(functools.partial(api.post, "/api/candidates", json=body))
        expected = BEFORE + UNDER_WAY + len(refused)
        waited = await settle(it.sessions, smtp, expected, SETTLE_WITHIN)
        result = tally(await birthday_touches(it.sessions), smtp)

    report(
        f"frozen {FREEZE_SECONDS:g} s with {at_freeze} of {BEFORE} received "
        f"({during} more during it); the import under way answered {import_answer.status_code} "
        f"in {import_seconds:.1f} s; {len(refused)} enrolments answered 503; all made again; "
        f"{result.line()}; settled in {waited:.0f} s"
    )
    assert import_answer.status_code in (200, 503), import_answer.text
    assert result.expected == expected
    assert result.lost == [], f"{len(result.lost)} lost; logs in {tmp_path}"
    assert result.unflagged_doubles == [], f"doubled without the flag; logs in {tmp_path}"
    assert result.strays == []
