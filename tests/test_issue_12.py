"""Issue 12's example, replayed on the time-skipping server with PostgreSQL and a real SMTP
server: a candidate whose birthday is today fits a vacancy opened the same morning. The wish
goes alone today and the vacancy three days later, both from "Maria Owner via <company>" on
the company's address, the vacancy introducing the hiring manager by the directory's name,
and nobody is named by an address's local part."""

from __future__ import annotations

import uuid
from datetime import timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from harness.api_helpers import country_without_holiday
from harness.rows import make_candidate, make_person
from rapport.contracts.candidate import VacancyOpened
from rapport.facts import schedule_policy
from rapport.mailbox import MailboxHandler
from rapport.outreach.state import CandidateState
from rapport.settings import Settings
from rapport.vocabulary import SenderRole
from workflows.candidate import CandidateWorkflow

from .conftest import StartCandidate
from .factories import make_match, make_vacancy
from .test_outreach_simulations import first_working_day, touches_of, zone_at


def text_of(message: EmailMessage) -> str:
    return str(message.get_content()).replace("\r\n", "\n")


@pytest.mark.parametrize(
    ("manager", "manager_name", "introduction"),
    [
        (None, "Ada Lovelace", "introduce you to Ada Lovelace, who is hiring"),
        ("cto@company.example", None, "introduce you to the hiring manager"),
    ],
    ids=["hiring manager in the directory", "hiring manager known only by address"],
)
async def test_the_birthday_and_the_vacancy_come_from_maria_three_days_apart(
    time_env: WorkflowEnvironment,
    start_candidate: StartCandidate,
    sessions: async_sessionmaker[AsyncSession],
    mailbox: MailboxHandler,
    manager: str | None,
    manager_name: str | None,
    introduction: str,
) -> None:
    tag = uuid.uuid4().hex[:6]
    # Local parts that would read as "M Owner" and "Ada Cto" if anything made names of them.
    owner = f"m.owner.{tag}@company.example"
    await make_person(sessions, owner, "Maria Owner", first_name="Maria")
    if manager is None:
        manager = f"ada.cto.{tag}@company.example"
        await make_person(sessions, manager, "Ada Lovelace", title="CTO")
    zone, local_now = zone_at(await time_env.get_current_time(), range(10, 15))
    today = local_now.date()
    country = country_without_holiday(today)
    candidate, facts = await make_candidate(
        sessions, full_name="Grace Hopper", timezone=zone, country=country, owner=owner,
        birthday_month=today.month, birthday_day=today.day, job_started_on=None,
    )  # fmt: skip
    policy = schedule_policy(Settings(_env_file=None))  # type: ignore[call-arg]
    vacancy = await make_vacancy(sessions, title="Staff Data Engineer", hiring_manager=manager)
    await make_match(sessions, vacancy, candidate)
    handle = await start_candidate(CandidateState(facts=facts, policy=policy))
    opened = VacancyOpened(str(vacancy.id), SenderRole.EMPLOYEE, owner)
    await handle.signal(CandidateWorkflow.vacancy_opened, opened)

    await time_env.sleep(timedelta(hours=3))
    assert [message["Subject"] for message in mailbox.messages] == ["Happy birthday, Grace!"]
    expected = first_working_day(today + timedelta(days=3), country, policy.send_days)
    await time_env.sleep(expected - today + timedelta(days=1))
    touches = sorted(await touches_of(sessions, candidate.id), key=lambda touch: touch.due_at)
    assert [(t.occasion, t.status) for t in touches] == [("birthday", "sent"), ("vacancy", "sent")]

    wish, job = [m for m in mailbox.messages if m["To"] == candidate.email]
    for message in (wish, job):
        assert message["From"] == "Maria Owner via Rapport <rapport@example.com>"
        assert message["Reply-To"] == f"Maria Owner <{owner}>"
        everything = f"{message['From']} {message['Subject']} {text_of(message)}"
        for invented in ("M Owner", "Cto", "Ada Cto", "Company"):
            assert invented not in everything, invented
    assert "Warm wishes,\nMaria Owner\nRapport\n" in text_of(wish)
    text = text_of(job)
    assert "Staff Data Engineer" in text and introduction in text
    assert text.count("Maria Owner") == 1  # she signs; she introduces someone else
