"""Metrics, scraped over HTTP as Prometheus would: the API's `/metrics` (its requests, Rapport's
figures from PostgreSQL) and the worker's Temporal SDK metrics, on the dev stack after an email
went out; the figures' cache and counts against PostgreSQL; and the Grafana dashboard, which
may name only metrics that a scrape shows."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.core import Metric
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.metrics.requests import ApiMetrics
from api.metrics.service import FiguresCache, exposition
from harness.api_helpers import birthday_on, enrolment, eventually, zone_in_send_window
from harness.rows import make_candidate
from harness.stack import METRICS_TOKEN, RunningStack, free_port
from rapport.db.repositories import metrics as metrics_repo
from rapport.db.repositories import tasks as task_repo
from rapport.db.repositories import touches as touch_repo
from rapport.db.session import DatabaseBounds, make_engine, make_session_factory
from rapport.vocabulary import InboundKind

DASHBOARD = Path(__file__).resolve().parents[1] / "ops" / "grafana" / "rapport.json"
SCRAPER = {"Authorization": f"Bearer {METRICS_TOKEN}"}
# The SDK's names (TelemetryConfig's defaults: no `_total`, durations in seconds as we ask).
WORKER_FAMILIES = {
    "temporal_request",
    "temporal_workflow_task_execution_latency",
    "temporal_workflow_task_schedule_to_start_latency",
    "temporal_activity_execution_latency",
    "temporal_activity_schedule_to_start_latency",
    "temporal_worker_task_slots_available",
    "temporal_worker_task_slots_used",
    "temporal_sticky_cache_size",
}


def families(text: str) -> dict[str, Metric]:
    return {family.name: family for family in text_string_to_metric_families(text)}


async def scrape(url: str, headers: dict[str, str] | None = None) -> tuple[dict[str, Metric], str]:
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.get(url, headers=headers or {})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return families(response.text), response.text


def total(family: Metric, suffix: str = "", **labels: str) -> float:
    """The sum of a family's samples named `<family><suffix>` whose labels include `labels`."""
    return sum(
        sample.value
        for sample in family.samples
        if sample.name == family.name + suffix
        and all(sample.labels.get(key) == value for key, value in labels.items())
    )


def dashboard_metrics() -> set[str]:
    """Every metric name a panel of the dashboard queries."""
    panels = json.loads(DASHBOARD.read_text())["panels"]
    exprs = [target["expr"] for panel in panels for target in panel.get("targets", [])]
    assert exprs, "the dashboard queries nothing"
    return {name for expr in exprs for name in re.findall(r"\b(?:rapport|temporal)_\w+", expr)}


async def test_api_and_worker_metrics_after_an_email_goes_out(
    stack: RunningStack, api: httpx.AsyncClient
) -> None:
    zone, local_now = zone_in_send_window()
    body = enrolment(timezone=zone, birthday=birthday_on(local_now.date()), job_started_on=None)
    enrolled = await api.post("/api/candidates", json=body)
    assert enrolled.status_code == 201, enrolled.text
    candidate = enrolled.json()
    touches_path = f"/api/candidates/{candidate['id']}/touches"

    async def sent() -> bool:
        items = (await api.get(touches_path)).json()["items"]
        return any(item["status"] == "sent" and item["channel"] == "email" for item in items)

    await eventually(sent, within=60)
    assert (await api.get(f"/api/candidates/{candidate['id']}")).status_code == 200

    # The figures are cached for a few seconds: an earlier scrape may still be answering.
    async def scraped_with_the_email() -> tuple[dict[str, Metric], str] | None:
        found, text = await scrape(f"{stack.api_url}/metrics", SCRAPER)
        return (found, text) if total(found["rapport_touches"], status="sent") >= 1 else None

    found, text = await eventually(scraped_with_the_email, within=30)
    assert total(found["rapport_stats_up"]) == 1
    assert total(found["rapport_touches"], channel="email", status="sent") >= 1
    statuses = {sample.labels["status"] for sample in found["rapport_touches"].samples}
    assert {"scheduled", "awaiting_owner", "sent", "skipped", "failed"} <= statuses
    assert found["rapport_tasks_open"].samples and found["rapport_tasks_overdue"].samples
    # Inbound by kind: whatever other tests posted to this stack, only the vocabulary's kinds.
    kinds = {sample.labels["kind"] for sample in found["rapport_inbound"].samples}
    assert kinds <= {kind.value for kind in InboundKind}

    requests = found["rapport_http_requests"]
    assert total(requests, "_total", route="/api/candidates", method="POST", status="201") >= 1
    profile = "/api/candidates/{candidate_id}"
    assert total(requests, "_total", route=profile, method="GET", status="200") >= 1
    latency = found["rapport_http_request_duration_seconds"]
    assert total(latency, "_count", route="/api/candidates", method="POST") >= 1
    assert total(latency, "_bucket", route="/api/candidates", method="POST", le="+Inf") >= 1
    # Bounded labels: templates, never a candidate's id nor anything from a request's body.
    for personal in (candidate["id"], body["email"], body["external_id"]):
        assert personal not in text
    assert "process_resident_memory_bytes" in found

    worker, _ = await scrape(stack.worker_metrics_url)
    assert set(worker) >= WORKER_FAMILIES, sorted(WORKER_FAMILIES - set(worker))
    queue = stack.env["RAPPORT_TASK_QUEUE"]
    assert total(worker["temporal_request"], "_total") >= 1  # the parser names counters so
    assert total(worker["temporal_workflow_task_execution_latency"], "_count") >= 1
    slots = worker["temporal_worker_task_slots_available"]
    assert total(slots, task_queue=queue, worker_type="WorkflowWorker") >= 1
    assert total(worker["temporal_activity_execution_latency"], "_count", task_queue=queue) >= 1

    # The dashboard queries only what these scrapes show.
    sample_names = {
        s.name for family in [*found.values(), *worker.values()] for s in family.samples
    }
    shown = sample_names | set(found) | set(worker)
    assert dashboard_metrics() - shown == set()


async def test_the_metrics_token_opens_metrics_and_nothing_else(stack: RunningStack) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as http:
        assert (await http.get("/metrics", headers=SCRAPER)).status_code == 200
        assert (await http.get("/api/candidates", headers=SCRAPER)).status_code == 401
        refused = await http.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
        assert refused.status_code == 401
        assert (await http.get("/metrics")).status_code == 401


async def figures(
    sessions: async_sessionmaker[AsyncSession], now: datetime
) -> tuple[dict[tuple[str | None, str], int], metrics_repo.TaskCounts]:
    async with sessions() as session:
        touches = await metrics_repo.touch_counts(session)
        tasks = await metrics_repo.task_counts(session, now)
    return {(row.channel, row.status): row.count for row in touches}, tasks


async def test_figures_count_touches_and_open_and_overdue_tasks(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    now = datetime.now(UTC)
    touches_before, tasks_before = await figures(sessions, now)
    candidate, _ = await make_candidate(sessions)
    async with sessions.begin() as session:
        for channel, status in [("email", "sent"), ("email", "sent"), (None, "skipped")]:
            await touch_repo.record_touch(
                session,
                candidate_id=candidate.id,
                idempotency_key=f"metrics-{uuid.uuid4()}",
                occasion="birthday",
                channel=channel,
                sender_role="hr",
                status=status,
                due_at=now,
            )
        for status, due in [("open", now - timedelta(days=1)), ("open", now + timedelta(days=1)),
                            ("sent", now - timedelta(days=2))]:  # fmt: skip
            task_repo.add_task(
                session,
                candidate_id=candidate.id,
                idempotency_key=f"metrics-{uuid.uuid4()}",
                owner="jane.doe@example.com",
                occasion="birthday",
                channel="linkedin_message",
                sender_role="employee",
                draft="Happy birthday!",
                due_at=due,
                status=status,
            )
    touches_after, tasks_after = await figures(sessions, now)
    grew = {key: touches_after[key] - touches_before.get(key, 0) for key in touches_after}
    assert {key: n for key, n in grew.items() if n} == {("email", "sent"): 2, (None, "skipped"): 1}
    assert (tasks_after.open - tasks_before.open, tasks_after.overdue - tasks_before.overdue) == (
        2,
        1,
    )


async def test_figures_are_read_once_per_ttl(sessions: async_sessionmaker[AsyncSession]) -> None:
    clock = [0.0]
    cache = FiguresCache(sessions, ttl=10.0, clock=lambda: clock[0])
    first = await cache.current()
    clock[0] = 9.0
    assert await cache.current() is first
    assert cache.reads == 1
    clock[0] = 10.5
    assert await cache.current() is not first
    assert cache.reads == 2


async def test_a_scrape_without_postgres_still_answers_and_says_so() -> None:
    url = f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none"
    engine = make_engine(url, bounds=DatabaseBounds(connect_timeout=1, answer_timeout=2))
    try:
        telemetry = ApiMetrics()
        telemetry.observe("/api/candidates", "POST", 201, 0.01)
        cache = FiguresCache(make_session_factory(engine))
        text = (await exposition(telemetry.registry, telemetry.figures, cache)).decode()
    finally:
        await engine.dispose()
    found: dict[str, Any] = families(text)
    assert total(found["rapport_stats_up"]) == 0
    assert found["rapport_touches"].samples == []
    assert total(found["rapport_http_requests"], "_total", route="/api/candidates") == 1
