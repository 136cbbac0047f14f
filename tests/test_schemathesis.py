"""Property-based tests of the whole published API, generated from its own OpenAPI schema by
schemathesis and sent over HTTP to the real dev stack (API, worker, Temporal, PostgreSQL).

A 5xx, or an answer that does not match the schema for its status code, fails the build.
Bounded by the number of examples per operation (fixed seed, no shrinking), so one pass takes
about half a minute on a small machine and picks the same inputs on every run. Not by `max-time`:
given one, schemathesis keeps cycling through the phases until the time is used up.

It runs schemathesis's engine (what its CLI runs) rather than its pytest plugin, whose lazy
loader needs pytest internals that pytest 9.2 no longer has.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events

from harness.api_helpers import enrolment
from harness.stack import AUTH, RunningStack

SEED = 92024
EXAMPLES_PER_OPERATION = 3
# Not generated against: revoking keys could revoke the admin key this run uses, and erasure
# has its own tests (tests/test_personal_data.py); both would also end the fixed data below.
EXCLUDED = ["POST /api/keys/{key_id}/revoke", "DELETE /api/candidates/{candidate_id}"]
CAMPAIGN = {"external_id": "st-campaign", "name": "Webinar", "kind": "webinar", "title": "Mesh"}
CHECKS = ("not_a_server_error", "response_schema_conformance")


def config(stack: RunningStack, parameters: dict[str, str]) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "base-url": stack.api_url,
            "headers": AUTH,
            "request-timeout": 30,
            "suppress-health-check": ["too_slow", "filter_too_much", "data_too_large"],
            "generation": {
                "max-examples": EXAMPLES_PER_OPERATION,
                "deterministic": True,
                "no-shrink": True,
                "database": "none",
            },
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
            # Stateful runs chain calls through links; their length is the hard part to bound.
            "phases": {"stateful": {"enabled": False}},
            # Ids that exist, so the routes below an id are reached, not only their 404.
            "parameters": parameters,
        }
    )


def own_data(stack: RunningStack) -> dict[str, str]:
    """A candidate, a vacancy and a campaign of this run's own, for the generated requests."""
    with httpx.Client(base_url=stack.api_url, headers=AUTH, timeout=60) as client:
        made = {
            "candidate_id": client.post("/api/candidates", json=enrolment()),
            "vacancy_id": client.post(
                "/api/vacancies",
                json={"external_id": "st-vacancy", "title": "Data Engineer", "skills": ["go"]},
            ),
            "campaign_id": client.post("/api/campaigns", json=CAMPAIGN),
        }
    for name, response in made.items():
        assert response.status_code in (200, 201), (name, response.text)
    return {name: response.json()["id"] for name, response in made.items()}


def failures(event: events.EngineEvent) -> list[str]:
    if isinstance(event, events.FatalError):
        return [f"schemathesis stopped: {event.exception!r}"]
    if isinstance(event, events.NonFatalError):
        return [f"{event.label}: {event.info.title}: {event.info.message}"]
    if isinstance(event, events.ScenarioFinished) and event.status == Status.FAILURE:
        return [
            f"{event.recorder.label}: {check.failure_info.failure.title}\n"
            f"{check.failure_info.failure.message}\n{check.failure_info.code_sample}"
            for checks in event.recorder.checks.values()
            for check in checks
            if check.status == Status.FAILURE and check.failure_info is not None
        ]
    return []


def test_the_api_answers_every_generated_request_within_its_schema(stack: RunningStack) -> None:
    schema = schemathesis.openapi.from_url(
        f"{stack.api_url}/openapi.json", config=config(stack, own_data(stack))
    ).exclude(name=EXCLUDED)
    found: list[str] = []
    scenarios = 0
    finished: Any = None
    for event in schemathesis.engine.from_schema(schema).execute():
        found += failures(event)
        scenarios += isinstance(event, events.ScenarioFinished)
        if isinstance(event, events.EngineFinished):
            finished = event
    if found:  # in full: an assertion's message would be cut short
        pytest.fail("\n\n".join(dict.fromkeys(found)), pytrace=False)
    assert scenarios > 0
    assert finished is not None and finished.stop_reason == "completed", finished
