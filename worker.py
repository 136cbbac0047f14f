"""The worker: runs Rapport's workflows and their activities on `RAPPORT_TASK_QUEUE`, and keeps
the daily digest's schedule in step with the settings."""

from __future__ import annotations

import asyncio
import compileall
import inspect
import logging
import signal
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.worker import PollerBehaviorSimpleMaximum, Worker

from activities.calendar import CalendarActivities
from activities.digest import DigestActivities
from activities.drafting import MessageSettings
from activities.fanout import FanOutActivities
from activities.handwritten import HandwrittenConfig, HandwrittenNotes, parse_postal_address
from activities.inbound import InboundProcessor, InboundSettings
from activities.mail import Mailer
from activities.mailbox import MailboxActivities, MailboxSettings
from activities.status import StatusActivities
from activities.templates import Renderer
from activities.touches import TouchActivities
from rapport.db.repositories import mailboxes as mailbox_repo
from rapport.db.session import DatabaseBounds, make_engine, make_session_factory
from rapport.sealing import Sealer
from rapport.settings import Settings
from rapport.temporal import connect, metrics_runtime
from workflows.campaign import CampaignWorkflow
from workflows.candidate import CandidateWorkflow
from workflows.digest import OwnerDigestWorkflow
from workflows.mailbox import MailboxWorkflow
from workflows.mailboxes import start_all
from workflows.schedules import ensure_digest_schedule
from workflows.vacancy import VacancyWorkflow

# The longest the worker waits for any one answer of PostgreSQL. No statement of an activity
# comes near it; a frozen database fails the attempt (Temporal retries it with backoff) instead
# of holding the worker's slot for the whole outage: an activity's timeout alone does not stop
# its coroutine. No server-side statement_timeout: a slow answer is no outage for a worker.
DATABASE_ANSWER_TIMEOUT_SECONDS = 15.0

WORKFLOWS: Sequence[type] = (
    CandidateWorkflow,
    VacancyWorkflow,
    CampaignWorkflow,
    OwnerDigestWorkflow,
    MailboxWorkflow,
)


def make_mailer(settings: Settings) -> Mailer:
    return Mailer(
        settings.smtp_target_host,
        settings.smtp_port,
        mail_from=settings.mail_from,
        company=settings.company_name,
        from_format=settings.mail_from_format,
        username=settings.smtp_username,
        password=settings.smtp_password,
        starttls=settings.smtp_starttls,
        bounce_domain=settings.bounce_domain,
    )


def make_notes(settings: Settings) -> HandwrittenNotes | None:
    """The handwritten-note provider, when one is configured; else notes are assisted."""
    if not settings.handwrytten_api_key:
        return None
    sender = parse_postal_address(
        settings.note_sender_name or settings.company_name,
        (settings.note_sender_address or "").replace("\\n", "\n"),
        settings.note_sender_country,
    )
    return HandwrittenNotes(
        HandwrittenConfig(
            api_key=settings.handwrytten_api_key,
            base_url=settings.handwrytten_base_url,
            card_id=settings.handwrytten_card_id,
            font=settings.handwrytten_font,
            sender=sender,
        )
    )


def tuning(settings: Settings) -> dict[str, Any]:
    """The worker's slots, sticky cache and polls, where the settings name them (else the
    SDK's)."""
    chosen: dict[str, Any] = {
        "max_concurrent_activities": settings.worker_max_concurrent_activities,
        "max_concurrent_workflow_tasks": settings.worker_max_concurrent_workflow_tasks,
        "max_cached_workflows": settings.worker_max_cached_workflows,
        "workflow_task_poller_behavior": polls(settings.worker_workflow_task_polls),
        "activity_task_poller_behavior": polls(settings.worker_activity_task_polls),
    }
    return {name: value for name, value in chosen.items() if value is not None}


def polls(maximum: int | None) -> PollerBehaviorSimpleMaximum | None:
    """At most `maximum` polls held open at once; None: the SDK's own default."""
    return None if maximum is None else PollerBehaviorSimpleMaximum(maximum)


def cache_workflow_bytecode() -> None:
    """Write the bytecode of the workflows' own modules where it is missing or stale.

    The sandbox imports a workflow's module, and the modules it imports inside the sandbox,
    afresh for every workflow it starts or brings back into its cache. With
    PYTHONDONTWRITEBYTECODE set (the Dockerfile sets it, as do many machines) no bytecode is
    ever cached for them, so each of those imports compiled the source again: a quarter of the
    worker's CPU while 10,000 candidates were enrolled (README, Performance). Where the tree
    cannot be written nothing is (the Dockerfile compiles at build time).
    """
    for folder in sorted({Path(inspect.getfile(workflow)).parent for workflow in WORKFLOWS}):
        compileall.compile_dir(folder, maxlevels=0, quiet=2)


def build_worker(
    client: Client,
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    **options: Any,
) -> Worker:
    """The one place that lists what the worker runs; tests pass extra options."""
    cache_workflow_bytecode()
    messages = MessageSettings(
        company=settings.company_name,
        base_url=settings.base_url,
        secret_key=settings.require_secret_key(),
        careers_url=settings.careers_url,
    )
    mailer = make_mailer(settings)
    touches = TouchActivities(
        session_factory,
        mailer,
        Renderer(),
        messages,
        notes=options.pop("notes", None) or make_notes(settings),
    )
    fanout = FanOutActivities(session_factory)
    digest = DigestActivities(session_factory, mailer, Renderer(), messages)
    calendar = CalendarActivities()
    status = StatusActivities(session_factory)
    mailboxes = MailboxActivities(
        session_factory,
        Sealer(settings.encryption_keys),
        InboundProcessor(session_factory, InboundSettings(verp_domain=settings.bounce_domain)),
        MailboxSettings(batch_size=settings.mailbox_batch_size),
    )
    return Worker(
        client,
        task_queue=options.pop("task_queue", settings.task_queue),
        workflows=list(WORKFLOWS),
        activities=[
            touches.send_touch,
            touches.open_task,
            touches.close_task,
            touches.open_engaged_task,
            fanout.match_page,
            fanout.mark_matches,
            fanout.close_matches,
            fanout.send_digests,
            digest.send_owner_digests,
            calendar.public_holidays,
            status.store_status,
            mailboxes.read_mailbox,
        ],
        **(tuning(settings) | options),
    )


async def read_connected_mailboxes(
    client: Client, settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Every enabled mailbox's workflow, started if it is not running (it was lost, or the
    mailbox was added while Temporal was away): a no-op for those that run."""
    async with sessions() as session:
        ids = await mailbox_repo.enabled_ids(session)
    await start_all(client, settings, ids)


async def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(levelname)s %(message)s")
    settings = Settings()
    engine = make_engine(
        settings.require_database_url(),
        bounds=DatabaseBounds(
            connect_timeout=settings.db_connect_timeout_seconds,
            answer_timeout=DATABASE_ANSWER_TIMEOUT_SECONDS,
        ),
    )
    # The SDK's metrics (slots, poll and task latencies, RPCs) for Prometheus, when asked for.
    client = await connect(settings, runtime=metrics_runtime(settings.worker_metrics_address))
    worker = build_worker(client, settings, make_session_factory(engine))
    await ensure_digest_schedule(client, settings)
    await read_connected_mailboxes(client, settings, make_session_factory(engine))

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)

    async with worker:
        logging.info("worker polling %s on %s", settings.task_queue, settings.temporal_target)
        if settings.worker_metrics_address:
            logging.info("metrics at http://%s/metrics", settings.worker_metrics_address)
        await stop.wait()
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
