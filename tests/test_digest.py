"""The owners' daily digest on the time-skipping server with PostgreSQL and a real SMTP server:
one email per owner across vacancies, at most one a day, nothing about closed vacancies."""

from __future__ import annotations

import uuid
from datetime import timedelta
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from harness.api_helpers import eventually, zone_in_send_window
from harness.rows import make_candidate, make_person
from rapport.contracts.digest import OwnerDigestInput, OwnerDigestResult
from rapport.db.models import Vacancy, VacancyMatch
from rapport.mailbox import MailboxHandler
from workflows.digest import OwnerDigestWorkflow

from .factories import make_match, make_vacancy


async def start_digest(
    env: WorkflowEnvironment, worker: Worker, zone: str
) -> WorkflowHandle[OwnerDigestWorkflow, OwnerDigestResult]:
    return await env.client.start_workflow(
        OwnerDigestWorkflow.run,
        OwnerDigestInput(timezone=zone),
        id=f"owner-digest-{uuid.uuid4().hex[:8]}",
        task_queue=worker.task_queue,
    )


async def run_digest(env: WorkflowEnvironment, worker: Worker, zone: str) -> OwnerDigestResult:
    # The clock moves only when the test says so: an activity in flight does not hold the
    # test server's clock, and a jump mid-run would start "tomorrow" early.
    with env.auto_time_skipping_disabled():
        return await (await start_digest(env, worker, zone)).result()


async def one_match_each(sessions: async_sessionmaker[AsyncSession], *owners: str) -> Vacancy:
    vacancy = await make_vacancy(sessions, title=f"SRE {uuid.uuid4().hex[:6]}")
    for owner in owners:
        candidate, _ = await make_candidate(sessions, owner=owner)
        await make_match(sessions, vacancy, candidate)
    return vacancy


def to(mailbox: MailboxHandler, address: str) -> list[EmailMessage]:
    return [message for message in mailbox.messages if message["To"] == address]


async def undigested(sessions: async_sessionmaker[AsyncSession], vacancy_id: uuid.UUID) -> int:
    async with sessions() as session:
        rows = await session.execute(
            select(VacancyMatch.id).where(
                VacancyMatch.vacancy_id == vacancy_id, VacancyMatch.digest_id.is_(None)
            )
        )
    return len(rows.all())


async def test_one_digest_per_owner_lists_the_days_matches_across_vacancies(
    time_env: WorkflowEnvironment,
    worker: Worker,
    mailbox: MailboxHandler,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    tag = uuid.uuid4().hex[:6]
    # Midday there: "today" does not end while the test runs.
    zone, _ = zone_in_send_window()
    ana, bo = f"ana-{tag}@example.com", f"bo-{tag}@example.com"
    manager = f"hm-{tag}@example.com"
    platform = await make_vacancy(sessions, title=f"Platform Lead {tag}", hiring_manager=manager)
    data = await make_vacancy(sessions, title=f"Data Architect {tag}", hiring_manager=manager)
    gone = await make_vacancy(sessions, title=f"Closed Role {tag}", status="closed")

    ana_one, _ = await make_candidate(sessions, owner=ana, full_name="Ines Duarte")
    # The same owner, spelled with capitals: still one person, one digest.
    ana_two, _ = await make_candidate(sessions, owner=ana.capitalize(), full_name="Kofi Mensah")
    bo_one, _ = await make_candidate(sessions, owner=bo, full_name="Lena Park")
    nobodys, _ = await make_candidate(sessions, owner=None, full_name="Omar Diaz")
    await make_match(sessions, platform, ana_one, score=0.9, status="notified")
    await make_match(sessions, data, ana_one, score=0.6)
    await make_match(sessions, data, ana_two, status="skipped", reason="opted out of email")
    await make_match(sessions, data, bo_one, status="cancelled")
    await make_match(sessions, platform, bo_one)
    # Kofi heard of a role that has closed since: still news; Ines's match there was not.
    await make_match(sessions, gone, ana_two, status="notified")
    await make_match(sessions, gone, ana_one, status="cancelled")
    await make_match(sessions, data, nobodys)
    await make_person(sessions, ana, "Ana Sousa")

    result = await run_digest(time_env, worker, zone)

    [for_ana] = to(mailbox, ana)
    body = for_ana.get_content()
    assert str(for_ana["Subject"]).startswith("2 of your contacts fit 3 roles (")
    expected = [
        *(platform.title, data.title, "Ines Duarte", "Kofi Mensah", "90% fit"),
        *("not contacted: opted out of email", f"/api/vacancies/{data.id}/matches"),
        f"{gone.title} (closed since)",
    ]
    assert [text for text in expected if text not in body] == []
    # Ines fits two roles: listed under each, counted once.
    assert body.count("Ines Duarte") == 2
    # Named from the directory; whom it does not know is said, never made up from an address.
    assert body.startswith("Hi Ana,")
    assert f"The team directory has no entry for {manager}, hm@example.com." in body
    assert "Hm" not in body

    [for_bo] = to(mailbox, bo)
    assert str(for_bo["Subject"]).startswith("1 of your contacts fits a role")
    assert platform.title in for_bo.get_content()
    # Bo's match on the data role was cancelled: not in the digest.
    assert data.title not in for_bo.get_content()
    assert for_bo.get_content().startswith("Hello,")
    assert f"no entry for {bo}, {manager}." in for_bo.get_content()

    # Nobody owns Omar: the hiring manager who wrote to him hears of it.
    [for_manager] = to(mailbox, manager)
    assert "Omar Diaz" in for_manager.get_content()
    assert result.owners >= 3 and result.candidates >= 4 and result.refused == 0
    assert await undigested(sessions, data.id) == 1  # the cancelled one only

    # A second run the same day finds nothing new to say.
    await run_digest(time_env, worker, zone)
    assert len(to(mailbox, ana)) == 1

    # A match later that day waits for tomorrow's digest: at most one email a day.
    later, _ = await make_candidate(sessions, owner=ana, full_name="Priya Raman")
    await make_match(sessions, data, later)
    again = await run_digest(time_env, worker, zone)
    assert again.held_back >= 1
    assert len(to(mailbox, ana)) == 1
    assert await undigested(sessions, data.id) == 2

    await time_env.sleep(timedelta(days=1))
    await run_digest(time_env, worker, zone)
    assert len(to(mailbox, ana)) == 2
    tomorrow = to(mailbox, ana)[-1].get_content()
    assert "Priya Raman" in tomorrow and "Ines Duarte" not in tomorrow
    assert await undigested(sessions, data.id) == 1


async def test_a_refused_address_does_not_hold_up_the_others(
    time_env: WorkflowEnvironment,
    worker: Worker,
    mailbox: MailboxHandler,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    tag = uuid.uuid4().hex[:6]
    # Midday there: "today" does not end while the test runs.
    zone, _ = zone_in_send_window()
    left, stays = f"left-{tag}@example.com", f"stays-{tag}@example.com"
    vacancy = await one_match_each(sessions, left, stays)
    mailbox.refuse.add(left)

    result = await run_digest(time_env, worker, zone)

    assert result.refused == 1
    assert to(mailbox, left) == [] and len(to(mailbox, stays)) == 1
    # Recorded as done: the refused address is not retried every day.
    assert await undigested(sessions, vacancy.id) == 0


async def test_a_full_mailbox_is_retried_without_mailing_the_others_again(
    time_env: WorkflowEnvironment,
    worker: Worker,
    mailbox: MailboxHandler,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    tag = uuid.uuid4().hex[:6]
    zone, _ = zone_in_send_window()
    full, fine = f"full-{tag}@example.com", f"fine-{tag}@example.com"
    vacancy = await one_match_each(sessions, full, fine)
    mailbox.defer.add(full)

    with time_env.auto_time_skipping_disabled():
        handle = await start_digest(time_env, worker, zone)

        async def fine_served() -> bool:
            return len(to(mailbox, fine)) == 1

        await eventually(fine_served, within=10)
        assert to(mailbox, full) == []
        mailbox.defer.clear()  # the mailbox has room again: the retry delivers
        result = await handle.result()

    assert len(to(mailbox, full)) == 1 and len(to(mailbox, fine)) == 1
    assert result.owners >= 1 and result.refused == 0
    assert await undigested(sessions, vacancy.id) == 0
