"""InboundProcessor against real PostgreSQL (and SMTP, a workflow on the time-skipping server):
inside a caller's transaction, soft bounces counted to a hard one, erasure clearing the text,
counts by kind, the VERP return path on the wire, and the workflow's side of the notices."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from activities.inbound import InboundProcessor
from activities.mail import Mailer
from harness.rows import make_candidate
from harness.stack import free_port
from rapport.contracts.candidate import AutoReplied, PlanQuery, Replied, StatusQuery
from rapport.db.repositories import candidates as candidate_repo
from rapport.db.repositories import inbound as inbound_repo
from rapport.inbound import read_verp_address
from rapport.outreach.policy import refusal
from rapport.outreach.state import CandidateFacts, CandidateState, SchedulePolicy
from rapport.vocabulary import Channel, EmailStatus, InboundStatus, Occasion, Sentiment
from workflows.candidate import CandidateWorkflow

from .conftest import StartCandidate

CORPUS = Path(__file__).parent / "inbound_corpus"


def message(name: str, old: str, new: str) -> bytes:
    raw = (CORPUS / name).read_bytes().replace(old.encode(), new.encode())
    unique = f"<{uuid.uuid4().hex}@test.example>".encode()
    return re.sub(rb"^(Message-I[Dd]): <[^>]+>", rb"\1: " + unique, raw, count=1, flags=re.M)


async def test_ingest_joins_the_callers_transaction_and_acts_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    candidate, _ = await make_candidate(sessions)
    assert candidate.email is not None
    raw = message("stranger.eml", "marta.kowalska@proton.me", candidate.email)
    inbound = InboundProcessor(sessions)
    async with sessions() as session:
        first = await inbound.ingest(raw, source="mailbox", session=session)
        await session.rollback()  # the mailbox reader's position failed to store: nothing kept
    async with sessions() as session:
        assert await inbound_repo.get_inbound(session, uuid.UUID(first.inbound_id)) is None
    mailbox_id = uuid.uuid4()
    async with sessions.begin() as session:
        stored = await inbound.ingest(raw, source="mailbox", mailbox_id=mailbox_id, session=session)
    assert stored.status == InboundStatus.PROCESSED
    assert [notice.signal for notice in stored.notices] == ["replied"]
    assert stored.workflow_id == candidate.workflow_id
    again = await inbound.ingest(raw, source="mailbox")
    assert (again.status, again.inbound_id) == (InboundStatus.DUPLICATE, stored.inbound_id)
    assert [notice.signal for notice in again.notices] == ["replied"]  # not yet delivered
    await inbound.mark_notified(stored.inbound_id)
    assert (await inbound.ingest(raw, source="mailbox")).notices == []
    async with sessions() as session:
        row = await inbound_repo.get_inbound(session, uuid.UUID(stored.inbound_id))
        assert row is not None and row.mailbox_id == mailbox_id and row.source == "mailbox"
        counts = await inbound_repo.count_by_kind(session)
    assert counts.get("reply", 0) >= 1


async def test_three_soft_bounces_count_as_a_hard_one(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    candidate, _ = await make_candidate(sessions)
    assert candidate.email is not None
    inbound = InboundProcessor(sessions)
    effects = []
    for _ in range(3):
        raw = message(
            "postfix_dsn_441_delayed.eml", "sofia.lindqvist@nordic-example.se", candidate.email
        )
        result = await inbound.ingest(raw, source="webhook")
        async with sessions() as session:
            row = await inbound_repo.get_inbound(session, uuid.UUID(result.inbound_id))
            assert row is not None
            effects.append((row.effect or "", [n.signal for n in result.notices]))
    assert "counted (1 of 3" in effects[0][0] and effects[1][1] == []
    assert "email marked bounced" in effects[2][0] and effects[2][1] == ["profile_updated"]
    async with sessions() as session:
        stored = await candidate_repo.get_candidate(session, candidate.id)
    assert stored is not None
    assert (stored.email_status, stored.soft_bounces) == ("bounced", 3)


async def test_erasure_clears_what_came_back(sessions: async_sessionmaker[AsyncSession]) -> None:
    candidate, _ = await make_candidate(sessions)
    assert candidate.email is not None
    result = await InboundProcessor(sessions).ingest(
        message("gmail_reply.eml", "jonas.meyer@gmail.com", candidate.email), source="webhook"
    )
    async with sessions.begin() as session:
        stored = await candidate_repo.get_candidate(session, candidate.id)
        assert stored is not None
        await candidate_repo.erase_candidate(session, stored)
    async with sessions() as session:
        row = await inbound_repo.get_inbound(session, uuid.UUID(result.inbound_id))
    assert row is not None and row.candidate_id is None and row.task_id is None
    assert (row.reply_text, row.raw, row.sender, row.subject) == (None, None, None, None)
    assert row.effect == inbound_repo.ERASED_EFFECT


def test_a_bounced_or_complained_address_gets_no_email() -> None:
    base = CandidateFacts("c", "Europe/Berlin", "DE", has_email=True, consent={Channel.EMAIL: True})
    policy = SchedulePolicy()
    assert refusal(base, Channel.EMAIL, Occasion.CHECK_IN, sender=None, policy=policy) is None
    for status, why in ((EmailStatus.BOUNCED, "bounced"), (EmailStatus.COMPLAINED, "spam")):
        base.email_status = status
        reason = refusal(base, Channel.EMAIL, Occasion.CHECK_IN, sender=None, policy=policy)
        assert reason is not None and why in reason


class Envelopes:
    def __init__(self) -> None:
        self.senders: list[str | None] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.senders.append(envelope.mail_from)
        return "250 OK"


async def test_the_return_path_names_the_touch_when_a_bounce_domain_is_set() -> None:
    handler = Envelopes()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        for domain in ("bounces.acme.example", None):
            mailer = Mailer(
                "127.0.0.1", port, mail_from="Rapport <talent@acme.example>", bounce_domain=domain
            )
            composed = mailer.compose(
                to="ada@example.org", subject="Hi", body="Hello", idempotency_key="touch-1"
            )
            await mailer.send(composed)
    finally:
        controller.stop()
    verp, plain = handler.senders
    assert verp is not None
    token = read_verp_address(verp, domain="bounces.acme.example")
    assert token == str(composed["Message-ID"])[1:33]
    assert plain == "talent@acme.example"  # unchanged without the setting


async def test_the_workflow_holds_for_an_unclassified_reply_and_forgives_an_auto_reply(
    time_env: WorkflowEnvironment,
    start_candidate: StartCandidate,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    _, facts = await make_candidate(sessions)
    state = CandidateState(facts=facts, policy=SchedulePolicy(), unanswered={Channel.EMAIL: 2})
    handle = await start_candidate(state)
    await handle.signal(CandidateWorkflow.auto_replied, AutoReplied(channel=Channel.EMAIL))
    after = await handle.query(CandidateWorkflow.full_state, StatusQuery())
    assert after.unanswered == {Channel.EMAIL: 1}
    assert (await handle.query(CandidateWorkflow.plan, PlanQuery(days=365))).items

    reply = Replied(interaction_id="i-1", sentiment=Sentiment.UNCLASSIFIED, channel=Channel.EMAIL)
    await handle.signal(CandidateWorkflow.replied, reply)
    await time_env.sleep(timedelta(seconds=5))
    assert (await handle.query(CandidateWorkflow.plan, PlanQuery(days=3650))).items == []
    assert (await handle.query(CandidateWorkflow.status, StatusQuery())).next_touch is None

    classified = Replied(interaction_id="i-1", sentiment=Sentiment.NOT_NOW, resume_on="2099-01-01")
    await handle.signal(CandidateWorkflow.replied, classified)
    await time_env.sleep(timedelta(seconds=5))
    resumed = await handle.query(CandidateWorkflow.full_state, StatusQuery())
    assert (resumed.replies_to_classify, resumed.resume_on) == ([], "2099-01-01")
    items = (await handle.query(CandidateWorkflow.plan, PlanQuery(days=3650))).items
    assert items == []  # nothing before 2099, ten years on
