"""A candidate taken through every occasion and every channel, with the payload codec OFF so
the test sees plain payloads: the whole history holds none of their personal values."""

from __future__ import annotations

import re
import socket
import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment

from api.candidates import lifecycle
from api.candidates.schemas import InvitationBody, MetInPersonBody, RepliedBody
from harness.rows import make_candidate
from rapport.contracts.candidate import CandidateInput, VacancyOpened
from rapport.db.models import Vacancy
from rapport.db.repositories import articles as article_repo
from rapport.db.repositories import candidates as candidate_repo
from rapport.db.repositories import touches as touch_repo
from rapport.db.repositories import vacancies as vacancy_repo
from rapport.mailbox import MailboxHandler
from rapport.outreach.state import CandidateState, SchedulePolicy
from rapport.settings import Settings
from rapport.vocabulary import Rapport, SenderRole
from worker import build_worker
from workflows.candidate import CandidateWorkflow

from .conftest import BIN, register_search_attributes
from .history import raw_bytes

BERLIN = ZoneInfo("Europe/Berlin")
PERSONAL = {
    "full_name": "Zebulon Quattrocchi",
    "email": "zq.private@example.org",
    "postal_address": "Quellenweg 77\n10115 Berlin",
    "linkedin_url": "https://www.linkedin.com/in/zquattro",
    "current_employer": "Quixotic GmbH",
    "current_title": "Principal Quasar Engineer",
}
EVENT = "Quattro Summit"


@pytest.fixture
async def plain_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(BIN / "temporal-test-server")
    )
    await register_search_attributes(env)
    yield env
    await env.shutdown()


# Identifiers in a history: UUIDs (workflow, run, vacancy, interaction ids), hex ids, and the
# worker's identity (`<pid>@<host>`). Random digits, so the year of birth turns up in one now and
# then (`…-1979-…`, pid 21979): they are taken out before the scan, no personal value hides there.
IDENTIFIERS = re.compile(
    rb"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    rb"|[0-9a-f]{32}|\d+@" + re.escape(socket.gethostname().encode())
)


async def scan(history: WorkflowHistory, candidate_id: str) -> None:
    raw = raw_bytes(history)
    # The scan does see payloads: the candidate's id travels in every one of them.
    assert candidate_id.encode() in raw and b"met_in_person" in raw
    scanned = IDENTIFIERS.sub(b"<id>", raw)
    values = [*PERSONAL.values(), "Zebulon", "Quattrocchi", "Quellenweg", EVENT, "1979"]
    for value in values:
        for part in value.split("\n"):
            assert part.encode() not in scanned, f"{part!r} is in the workflow history"


async def test_histories_hold_no_personal_data(
    plain_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    smtp_port: int,
    mailbox: MailboxHandler,
) -> None:
    today = (await plain_env.get_current_time()).astimezone(BERLIN).date()
    soon = today + timedelta(days=20)
    later = today + timedelta(days=140)
    topic = f"quasar-{uuid.uuid4().hex[:6]}"
    async with sessions.begin() as session:
        await article_repo.add_article(
            session, title="Quasars at scale", url=f"https://blog.example.com/{topic}",
            summary=None, tags=[topic],
        )  # fmt: skip
    candidate, facts = await make_candidate(
        sessions,
        **PERSONAL,
        birthday_year=1979,
        birthday_month=soon.month,
        birthday_day=min(soon.day, 28),
        job_started_on=date(2015, later.month, min(later.day, 28)),
        skills=[topic],
        rapport="strong",
    )
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        smtp_host="127.0.0.1", smtp_port=smtp_port, secret_key="scan",
        mail_from="Rapport <rapport@example.com>",
    )  # fmt: skip
    worker = build_worker(
        plain_env.client, settings, sessions, task_queue=f"scan-{uuid.uuid4().hex[:6]}",
        workflow_failure_exception_types=[Exception],
    )  # fmt: skip
    async with worker:
        handle = await plain_env.client.start_workflow(
            CandidateWorkflow.run,
            CandidateInput(state=CandidateState(facts=facts, policy=SchedulePolicy())),
            id=f"candidate-{candidate.id}",
            task_queue=worker.task_queue,
        )
        async with sessions() as session:
            stored = await candidate_repo.get_candidate(session, candidate.id)
            assert stored is not None
            await lifecycle.met_in_person(
                session, plain_env.client, stored,
                MetInPersonBody.model_construct(
                    type="met_in_person", event=EVENT, date=today, rapport=Rapport.STRONG,
                    met_by="sam.lee@example.com",
                ),
            )  # fmt: skip
        # The CEO's invitation comes once the thank-you and the birthday are well past: sent
        # with them it would be skipped for the contact budget, whatever day the test runs.
        await plain_env.sleep(timedelta(days=40))
        async with sessions() as session:
            stored = await candidate_repo.get_candidate(session, candidate.id)
            assert stored is not None
            await lifecycle.invite(
                session, plain_env.client, stored,
                InvitationBody.model_validate(
                    {"kind": "connect", "sender_role": "ceo", "sender": "ceo@example.com",
                     "message": "Zebulon, would love to connect"}
                ),
            )  # fmt: skip
        await plain_env.sleep(timedelta(days=20))
        async with sessions.begin() as session:
            vacancy = Vacancy(
                id=uuid.uuid4(), external_id=f"req-{uuid.uuid4().hex[:6]}", title="Quasar lead",
                skills=[topic], status="open", workflow_id="vacancy-x", remote=True,
            )  # fmt: skip
            session.add(vacancy)
            await session.flush()
            await vacancy_repo.save_matches(
                session, vacancy.id,
                [{"candidate_id": candidate.id, "score": 0.9, "status": "matched",
                  "reasons": ["your quasar work"]}],
            )  # fmt: skip
        await handle.signal(
            CandidateWorkflow.vacancy_opened, VacancyOpened(str(vacancy.id), SenderRole.EMPLOYEE)
        )
        await plain_env.sleep(timedelta(days=100))
        async with sessions() as session:
            stored = await candidate_repo.get_candidate(session, candidate.id)
            assert stored is not None
            await lifecycle.replied(
                session, plain_env.client, stored,
                RepliedBody.model_validate({"type": "replied", "sentiment": "not_now"}),
            )  # fmt: skip
        await plain_env.sleep(timedelta(days=100))

        async with sessions() as session:
            touches = await touch_repo.list_touches(session, candidate.id)
        occasions = {touch.occasion for touch in touches}
        channels = {touch.channel for touch in touches}
        assert occasions >= {
            "birthday", "work_anniversary", "check_in", "event_follow_up", "invitation", "vacancy",
        }  # fmt: skip
        assert channels >= {"email", "linkedin_message", "linkedin_post", "handwritten_note"}
        assert any(m["To"] == PERSONAL["email"] for m in mailbox.messages)
        await scan(await handle.fetch_history(), str(candidate.id))
