"""The send activity against real PostgreSQL and a real SMTP server."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import ActivityEnvironment

from activities.drafting import MessageSettings
from activities.handwritten import HandwrittenConfig, HandwrittenNotes, PostalAddress
from activities.mail import Mailer
from activities.status import StatusActivities
from activities.templates import Renderer
from activities.touches import TouchActivities
from harness.rows import make_candidate, make_person
from harness.stack import free_port
from rapport.contracts.status import StatusToStore
from rapport.contracts.touches import CloseTaskInput, OpenTaskInput, SendTouchInput
from rapport.db.repositories import articles as article_repo
from rapport.db.repositories import interactions as interaction_repo
from rapport.db.repositories import tasks as task_repo
from rapport.db.repositories import touches as touch_repo
from rapport.mailbox import MailboxHandler
from rapport.vocabulary import Stage, TaskStatus

from .factories import make_match, make_vacancy
from .fake_handwrytten import FakeHandwrytten

MESSAGES = MessageSettings(
    company="Acme", base_url="https://rapport.example.com", secret_key="test-secret"
)


def activities(sessions: async_sessionmaker[AsyncSession], port: int) -> TouchActivities:
    mailer = Mailer("127.0.0.1", port, mail_from="Rapport <rapport@example.com>", company="Acme")
    return TouchActivities(sessions, mailer, Renderer(), MESSAGES)


def request(candidate_id: str, occasion: str = "birthday", **overrides: object) -> SendTouchInput:
    values: dict[str, object] = {
        "candidate_id": candidate_id,
        "occasion": occasion,
        "channel": "email",
        "sender_role": "employee",
        "due_at": datetime(2027, 3, 14, 8, 0, tzinfo=UTC),
        "local_date": "2027-03-14",
        "idempotency_key": f"{candidate_id}:{occasion}:2027-03-14",
        "sender": "jane.doe@example.com",
    }
    values.update(overrides)
    return SendTouchInput(**values)  # type: ignore[arg-type]


async def test_same_key_twice_sends_one_email(
    sessions: async_sessionmaker[AsyncSession], mailbox: MailboxHandler, smtp_port: int
) -> None:
    candidate, _ = await make_candidate(sessions)
    await make_person(sessions, "jane.doe@example.com", "Jane Doe")
    send = activities(sessions, smtp_port).send_touch
    env = ActivityEnvironment()

    first = await env.run(send, request(str(candidate.id)))
    second = await env.run(send, request(str(candidate.id)))

    assert (first.status, first.already_done) == ("sent", False)
    assert (second.status, second.already_done) == ("sent", True)
    assert len(mailbox.messages) == 1
    message = mailbox.messages[0]
    assert message["To"] == candidate.email
    assert message["Subject"] == "Happy birthday, Margarethe!"
    assert "Jane Doe" in message.get_content()
    assert message["From"] == "Jane Doe via Acme <rapport@example.com>"
    async with sessions() as session:
        touches = await touch_repo.list_touches(session, candidate.id)
    assert len(touches) == 1
    assert touches[0].message_id == message["Message-ID"]
    assert touches[0].sender == "jane.doe@example.com"


async def test_work_anniversary_counts_years(
    sessions: async_sessionmaker[AsyncSession], mailbox: MailboxHandler, smtp_port: int
) -> None:
    candidate, _ = await make_candidate(sessions)
    result = await ActivityEnvironment().run(
        activities(sessions, smtp_port).send_touch,
        request(
            str(candidate.id),
            "work_anniversary",
            local_date="2027-09-02",
            idempotency_key=f"{candidate.id}:work_anniversary:2027-09-02",
        ),
    )
    assert result.status == "sent"
    assert mailbox.messages[0]["Subject"] == ("Congratulations on 8 years at Globex, Margarethe")


async def test_refused_recipient_is_failed_without_retry(
    sessions: async_sessionmaker[AsyncSession], mailbox: MailboxHandler, smtp_port: int
) -> None:
    candidate, _ = await make_candidate(sessions)
    assert candidate.email is not None
    mailbox.refuse.add(candidate.email)

    result = await ActivityEnvironment().run(
        activities(sessions, smtp_port).send_touch, request(str(candidate.id))
    )

    assert result.status == "failed"
    assert result.reason is not None and "550" in result.reason
    assert mailbox.messages == []
    async with sessions() as session:
        touches = await touch_repo.list_touches(session, candidate.id)
    assert [(t.status, t.reason) for t in touches] == [("failed", result.reason)]


async def test_smtp_down_raises_so_temporal_retries(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    candidate, _ = await make_candidate(sessions)
    with pytest.raises(OSError):
        await ActivityEnvironment().run(
            activities(sessions, free_port()).send_touch, request(str(candidate.id))
        )
    async with sessions() as session:
        assert await touch_repo.list_touches(session, candidate.id) == []


async def test_no_consent_is_recorded_as_skipped(
    sessions: async_sessionmaker[AsyncSession], mailbox: MailboxHandler, smtp_port: int
) -> None:
    candidate, _ = await make_candidate(sessions, consent={})
    result = await ActivityEnvironment().run(
        activities(sessions, smtp_port).send_touch, request(str(candidate.id))
    )
    assert (result.status, result.reason) == ("skipped", "no consent for email")
    assert mailbox.messages == []


async def test_planned_without_channel_is_skipped_with_the_plans_reason(
    sessions: async_sessionmaker[AsyncSession], mailbox: MailboxHandler, smtp_port: int
) -> None:
    candidate, _ = await make_candidate(sessions, email=None)
    result = await ActivityEnvironment().run(
        activities(sessions, smtp_port).send_touch,
        request(str(candidate.id), channel=None, reason="no email address"),
    )
    assert (result.status, result.reason) == ("skipped", "no email address")
    assert mailbox.messages == []


async def test_check_in_shares_a_fitting_article_never_twice(
    sessions: async_sessionmaker[AsyncSession], mailbox: MailboxHandler, smtp_port: int
) -> None:
    topic = f"topic-{uuid.uuid4().hex[:8]}"
    candidate, _ = await make_candidate(sessions, skills=[topic.upper()], interests=[])
    async with sessions.begin() as session:
        await article_repo.add_article(
            session, title="Only one", url=f"https://blog.example.com/{topic}", summary=None,
            tags=[topic],
        )  # fmt: skip
    send = activities(sessions, smtp_port).send_touch
    first = await ActivityEnvironment().run(
        send,
        request(str(candidate.id), "check_in", idempotency_key=f"{candidate.id}:check_in:1"),
    )
    second = await ActivityEnvironment().run(
        send,
        request(str(candidate.id), "check_in", idempotency_key=f"{candidate.id}:check_in:2"),
    )
    assert first.status == "sent"
    assert f"https://blog.example.com/{topic}" in mailbox.messages[0].get_content()
    assert (second.status, second.reason) == ("skipped", "no fitting article left to share")
    assert len(mailbox.messages) == 1


async def test_a_note_goes_through_the_provider_once(
    sessions: async_sessionmaker[AsyncSession], mailbox: MailboxHandler, smtp_port: int
) -> None:
    candidate, _ = await make_candidate(
        sessions, postal_address="Hauptstr. 1\n10115 Berlin", relationship_origin="in_person_event"
    )
    async with sessions.begin() as session:
        met = await interaction_repo.add_interaction(
            session, candidate_id=candidate.id, type="met_in_person", event="PyCon DE",
            happened_on=date(2026, 11, 20), rapport="strong", met_by="jane.doe@example.com",
        )  # fmt: skip
    with FakeHandwrytten(api_key="key").serve() as fake:
        notes = HandwrittenNotes(
            HandwrittenConfig(
                api_key="key", base_url=fake.base_url, card_id=1, font=None,
                sender=PostalAddress("Acme", "1 Main St", "Tempe", "85281", "US", "AZ"),
            )
        )  # fmt: skip
        touches = TouchActivities(
            sessions,
            Mailer("127.0.0.1", smtp_port, mail_from="r@example.com"),
            Renderer(),
            MESSAGES,
            notes,
        )
        note = request(
            str(candidate.id), "event_follow_up", channel="handwritten_note", ref_id=str(met.id),
            idempotency_key=f"{candidate.id}:event_follow_up:{met.id}",
        )  # fmt: skip
        first = await ActivityEnvironment().run(touches.send_touch, note)
        second = await ActivityEnvironment().run(touches.send_touch, note)
        assert (first.status, second.already_done) == ("sent", True)
        assert len(fake.orders) == 1
        assert "PyCon DE" in str(fake.orders[0])
    assert mailbox.messages == []


async def test_tasks_open_once_and_close_once(
    sessions: async_sessionmaker[AsyncSession], smtp_port: int
) -> None:
    candidate, _ = await make_candidate(sessions, linkedin_url="https://www.linkedin.com/in/m")
    touches = activities(sessions, smtp_port)
    touch = request(str(candidate.id), channel="linkedin_message")
    deadline = datetime(2027, 3, 14, 16, 0, tzinfo=UTC)
    opened = await ActivityEnvironment().run(touches.open_task, OpenTaskInput(touch, deadline))
    again = await ActivityEnvironment().run(touches.open_task, OpenTaskInput(touch, deadline))
    assert opened.task_id is not None and opened.task_id == again.task_id
    async with sessions() as session:
        task = await task_repo.get_task(session, uuid.UUID(opened.task_id))
        recorded = await touch_repo.list_touches(session, candidate.id)
    assert task is not None
    assert (task.owner, task.link, task.status) == (
        "jane.doe@example.com",
        "https://www.linkedin.com/in/m",
        "open",
    )
    assert "Margarethe" in task.draft
    assert [t.status for t in recorded] == ["awaiting_owner"]

    close = CloseTaskInput(opened.task_id, TaskStatus.EXPIRED, "not sent by its deadline")
    closed = await ActivityEnvironment().run(touches.close_task, close)
    closed_again = await ActivityEnvironment().run(touches.close_task, close)
    assert closed.outcome == closed_again.outcome == "expired"
    async with sessions() as session:
        recorded = await touch_repo.list_touches(session, candidate.id)
    assert [(t.status, t.reason) for t in recorded] == [("skipped", "not sent by its deadline")]


async def test_no_linkedin_draft_for_someone_not_on_linkedin(
    sessions: async_sessionmaker[AsyncSession], smtp_port: int
) -> None:
    candidate, _ = await make_candidate(sessions, linkedin_url=None)
    touch = request(str(candidate.id), channel="linkedin_message")
    opened = await ActivityEnvironment().run(
        activities(sessions, smtp_port).open_task,
        OpenTaskInput(touch, datetime(2027, 3, 14, 16, 0, tzinfo=UTC)),
    )
    assert (opened.task_id, opened.status, opened.reason) == (None, "skipped", "not on LinkedIn")


async def test_profile_values_are_never_run_as_template_code(
    sessions: async_sessionmaker[AsyncSession], mailbox: MailboxHandler, smtp_port: int
) -> None:
    sneaky = "{{ 7*7 }}{{ ''.__class__.__mro__ }}{% for x in range(3) %}x{% endfor %}"
    candidate, _ = await make_candidate(
        sessions, full_name=f"Eve {sneaky}", current_employer=sneaky
    )
    result = await ActivityEnvironment().run(
        activities(sessions, smtp_port).send_touch,
        request(str(candidate.id), "work_anniversary", local_date="2027-09-02",
                idempotency_key=f"{candidate.id}:work_anniversary:2027-09-02"),
    )  # fmt: skip
    assert result.status == "sent"
    text = mailbox.messages[0].get_content() + str(mailbox.messages[0]["Subject"])
    assert sneaky in text  # shown as typed
    assert "Eve 49" not in text and "<class" not in text and "xxx" not in text


async def test_the_worker_builds_the_note_provider_from_settings() -> None:
    from rapport.facts import schedule_policy
    from rapport.settings import Settings
    from worker import make_notes

    plain = Settings(_env_file=None)  # type: ignore[call-arg]
    assert make_notes(plain) is None and schedule_policy(plain).note_provider is False
    with FakeHandwrytten(api_key="key-1").serve() as fake:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            handwrytten_api_key="key-1", handwrytten_base_url=fake.base_url,
            handwrytten_card_id="3404", note_sender_name="Acme Recruiting",
            note_sender_address="100 S Mill Ave\\nTempe, AZ 85281", note_sender_country="US",
        )  # fmt: skip
        notes = make_notes(settings)
        assert notes is not None and schedule_policy(settings).note_provider is True
        recipient = PostalAddress("Ana Lima", "Hauptstr. 1", "Berlin", "10115", "DE")
        await notes.send_note(idempotency_key="k-1", message="Thank you!", recipient=recipient)
        assert len(fake.orders) == 1
        address = fake.orders[0]["address"]
        assert (address["return_city"], address["return_state"]) == ("Tempe", "AZ")
        assert (address["return_first_name"], address["return_last_name"]) == ("Acme", "Recruiting")


async def test_a_vacancy_message_introduces_the_hiring_manager_not_the_sender(
    sessions: async_sessionmaker[AsyncSession], mailbox: MailboxHandler, smtp_port: int
) -> None:
    vacancy = await make_vacancy(
        sessions,
        title="Staff Data Engineer",
        hiring_manager="maria.hm@example.com",
        owner_message="Maria asked about you by name after your talk in Lisbon.",
    )
    await make_person(sessions, "jane.doe@example.com", "Jane Doe")
    await make_person(sessions, "maria.hm@example.com", "Maria Hubert", first_name="Maria")
    send = activities(sessions, smtp_port).send_touch
    texts = {}
    for sender in ("jane.doe@example.com", "maria.hm@example.com"):
        candidate, _ = await make_candidate(sessions)
        await make_match(sessions, vacancy, candidate)
        await ActivityEnvironment().run(
            send, request(str(candidate.id), "vacancy", ref_id=str(vacancy.id), sender=sender)
        )
        [message] = [m for m in mailbox.messages if m["To"] == candidate.email]
        texts[sender] = message.get_content()

    from_owner, from_manager = texts.values()
    assert "introduce you to Maria Hubert, who is hiring" in from_owner
    assert "Jane Doe, who is hiring" not in from_owner
    # The hiring manager writing herself offers no introduction to herself.
    assert "introduce you to" not in from_manager
    for text in texts.values():
        assert "Maria asked about you by name after your talk in Lisbon." in text


async def test_a_vacancy_email_reads_its_open_vacancies_once(
    sessions: async_sessionmaker[AsyncSession], mailbox: MailboxHandler, smtp_port: int
) -> None:
    """Whether any is still open and what the message says of them come from one read: the
    check and the text cannot disagree, and a decision costs one statement less. Every
    statement of the decision is a round trip of its own, in autocommit."""
    vacancy = await make_vacancy(
        sessions, title="Staff Data Engineer", hiring_manager="ines.hm@example.com"
    )
    await make_person(sessions, "ines.hm@example.com", "Inès Moreau", first_name="Inès")
    await make_person(sessions, "jane.doe@example.com", "Jane Doe")
    candidate, _ = await make_candidate(sessions)
    await make_match(sessions, vacancy, candidate)
    sent: list[str] = []

    autocommit: list[bool] = []

    def note(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)
        autocommit.append(conn.connection.dbapi_connection.autocommit)

    engine = sessions.kw["bind"].sync_engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        result = await ActivityEnvironment().run(
            activities(sessions, smtp_port).send_touch,
            request(str(candidate.id), "vacancy", ref_id=str(vacancy.id)),
        )
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert result.status == "sent"
    [message] = [m for m in mailbox.messages if m["To"] == candidate.email]
    text = message.get_content()
    assert "Staff Data Engineer" in text and "introduce you to Inès Moreau" in text
    assert message["From"].startswith("Jane Doe via Acme")
    reads = [s for s in sent if s.lstrip().startswith("SELECT") and "JOIN vacancy_matches" in s]
    assert len(reads) == 1, reads
    # The sender and the hiring manager come from the directory in one read, too.
    directory = [s for s in sent if s.lstrip().startswith("SELECT") and "FROM people" in s]
    assert len(directory) == 1, directory
    # The whole decision, nine statements, none of them between BEGIN and COMMIT: the
    # candidate with the touch of this key (one read), their open vacancies, the directory,
    # HR's edit of the template, replies waiting, the claim, the record, the match and the
    # address marked deliverable.
    assert "LEFT OUTER JOIN touches" in sent[0] and "FROM candidates" in sent[0]
    assert len(sent) == 9, sent
    assert all(autocommit)


async def test_a_send_runs_statements_built_once(
    sessions: async_sessionmaker[AsyncSession],
    mailbox: MailboxHandler,
    smtp_port: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The statements of a vacancy email and of the status stored after it are built once and
    bound at each execution: building one anew (and the cache key SQLAlchemy computes to find
    its compiled form) cost about as much CPU as running it. A second candidate's send passes
    the very statement objects the first one passed."""
    vacancy = await make_vacancy(sessions, title="Platform Engineer")
    await make_person(sessions, "jane.doe@example.com", "Jane Doe")
    ran: list[list[Any]] = []
    recording = False
    execute = AsyncSession.execute

    async def noted(session: AsyncSession, statement: Any, *args: Any, **kwargs: Any) -> Any:
        if recording:
            ran[-1].append(statement)
        return await execute(session, statement, *args, **kwargs)

    monkeypatch.setattr(AsyncSession, "execute", noted)
    for _ in range(2):
        candidate, _ = await make_candidate(sessions)
        await make_match(sessions, vacancy, candidate)
        ran.append([])
        recording = True
        result = await ActivityEnvironment().run(
            activities(sessions, smtp_port).send_touch,
            request(str(candidate.id), "vacancy", ref_id=str(vacancy.id)),
        )
        assert result.status == "sent"
        await ActivityEnvironment().run(
            StatusActivities(sessions).store_status,
            StatusToStore(
                candidate_id=str(candidate.id),
                stage=Stage.NURTURING,
                next_touch=None,
                published_at=datetime.now(UTC),
            ),
        )
        recording = False
    first, second = ran
    assert len(first) == len(second) == 10, second
    rebuilt = [described(b) for a, b in zip(first, second, strict=True) if a is not b]
    assert not rebuilt, rebuilt


def described(statement: Any) -> str:
    """A statement's kind and table, for a failure message (an ORM insert does not compile
    on its own)."""
    table = getattr(statement, "table", None)
    return f"{type(statement).__name__} {table}" if table is not None else str(statement)


async def test_nobody_is_named_after_an_address(
    sessions: async_sessionmaker[AsyncSession], mailbox: MailboxHandler, smtp_port: int
) -> None:
    """Issue 12: `cto@company.example`, not in the directory, is "the hiring manager", and a
    sender without an entry signs as the company's team, from the company's own From."""
    vacancy = await make_vacancy(
        sessions, title="Staff Data Engineer", hiring_manager="cto@company.example"
    )
    candidate, _ = await make_candidate(sessions)
    await make_match(sessions, vacancy, candidate)
    sender = f"sam.unlisted.{uuid.uuid4().hex[:6]}@example.com"
    await ActivityEnvironment().run(
        activities(sessions, smtp_port).send_touch,
        request(str(candidate.id), "vacancy", ref_id=str(vacancy.id), sender=sender),
    )
    [message] = [m for m in mailbox.messages if m["To"] == candidate.email]
    text = message.get_content()
    assert "happy to introduce you to the hiring manager" in text
    assert "The Acme team" in text
    for invented in ("Cto", "Sam", "Unlisted"):
        assert invented not in f"{message['From']} {message['Subject']} {text}"
    assert message["From"] == "Rapport <rapport@example.com>"
    assert message["Reply-To"] == sender
