"""The migrations and the models describe the same schema, and every migration can be undone."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from rapport.db import migrate
from rapport.db.models import Base


@pytest.fixture
def scratch_database(postgres_server: str) -> Iterator[str]:
    name = f"rapport_migrations_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(f'create database "{name}"')
    url = make_url(postgres_server).set(drivername="postgresql+psycopg", database=name)
    yield url.render_as_string(hide_password=False)
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(f'drop database if exists "{name}" with (force)')


def schema_drift(database_url: str) -> list[object]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))
    finally:
        engine.dispose()


def test_the_migrated_schema_is_the_models_schema(database_url: str) -> None:
    assert schema_drift(database_url) == []


def test_every_migration_goes_down_and_up_again(scratch_database: str) -> None:
    migrate.upgrade(scratch_database)
    migrate.downgrade(scratch_database, "base")
    migrate.upgrade(scratch_database)
    assert schema_drift(scratch_database) == []


def test_matches_a_per_vacancy_digest_announced_are_not_announced_again(
    scratch_database: str,
) -> None:
    migrate.upgrade(scratch_database, "0004")
    plain = scratch_database.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(plain) as connection:
        connection.execute(
            "insert into candidates (id, external_id, full_name, timezone, country, consent,"
            " opt_outs, relationship_origin, rapport, owner, owner_role, stage, workflow_id,"
            " skills, interests, greetings_only)"
            " values ('00000000-0000-0000-0000-0000000000c1', 'c1', 'Ada', 'UTC', 'DE', '{}',"
            " '{}', 'referral', 'warm', 'o@example.com', 'employee', 'nurturing', 'candidate-c1',"
            " '{}', '{}', false)"
        )
        for number in (1, 2, 3):
            connection.execute(
                "insert into vacancies (id, external_id, title, skills, remote, status,"
                f" workflow_id) values ('00000000-0000-0000-0000-00000000000{number}', 'v{number}',"
                f" 'Role {number}', '{{}}', false, 'open', 'vacancy-{number}')"
            )
            connection.execute(
                "insert into vacancy_matches (id, vacancy_id, candidate_id, score, reasons, status)"
                f" values ('00000000-0000-0000-0000-0000000000a{number}',"
                f" '00000000-0000-0000-0000-00000000000{number}',"
                " '00000000-0000-0000-0000-0000000000c1', 0.8, '[]', 'notified')"
            )
        connection.execute(
            "insert into digests (id, idempotency_key, owner, vacancy_id, candidates, sent_at)"
            " values ('00000000-0000-0000-0000-0000000000d1', 'digest:v1:o', 'o@example.com',"
            " '00000000-0000-0000-0000-000000000001', 1, '2026-11-27T23:30:00+00:00')"
        )
    migrate.upgrade(scratch_database)
    with psycopg.connect(plain) as connection:
        matches = connection.execute(
            "select vacancy_id::text, digest_id::text from vacancy_matches order by vacancy_id"
        ).fetchall()
        [(day,)] = connection.execute(
            "select day::text from digests where idempotency_key = 'digest:v1:o'"
        ).fetchall()
        digests: dict[str, str] = dict(
            connection.execute("select id::text, idempotency_key from digests").fetchall()
        )
    # Listed by vacancy 1's digest; vacancies 2 and 3 had none: not news either.
    assert matches[0][1] == "00000000-0000-0000-0000-0000000000d1"
    assert {digests[digest] for _, digest in matches[1:]} == {"before-daily-digest"}
    assert day == "2026-11-27"


def test_vacancy_tasks_made_before_the_link_are_linked_from_their_keys(
    scratch_database: str,
) -> None:
    migrate.upgrade(scratch_database, "0007")
    plain = scratch_database.replace("postgresql+psycopg://", "postgresql://", 1)
    candidate = "00000000-0000-0000-0000-0000000000c1"
    first, second = "00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000002"
    gone = "00000000-0000-0000-0000-0000000000ff"  # named in a key, but no such vacancy
    task = "00000000-0000-0000-0000-0000000000b{}".format
    tasks = {
        # A draft naming two vacancies, after a fallback to a second channel.
        task(1): (f"{candidate}:vacancy:{first},{second}:handwritten_note", "vacancy", "open"),
        task(2): (f"{candidate}:vacancy:{second}", "vacancy", "sent"),
        task(3): (f"{candidate}:vacancy:{gone},{first}", "vacancy", "open"),
        # Not vacancy drafts, though a vacancy's id is in their keys.
        task(4): (f"{candidate}:engaged:{first}", "check_in", "open"),
        task(5): (f"{candidate}:birthday:{first}", "birthday", "open"),
    }
    with psycopg.connect(plain) as connection:
        connection.execute(
            "insert into candidates (id, external_id, full_name, timezone, country, consent,"
            " opt_outs, relationship_origin, rapport, owner, owner_role, stage, workflow_id,"
            " skills, interests, greetings_only)"
            f" values ('{candidate}', 'c1', 'Ada', 'UTC', 'DE', '{{}}',"
            " '{}', 'referral', 'warm', 'o@example.com', 'employee', 'nurturing', 'candidate-c1',"
            " '{}', '{}', false)"
        )
        for number, vacancy in enumerate((first, second), start=1):
            connection.execute(
                "insert into vacancies (id, external_id, title, skills, remote, status,"
                f" workflow_id) values ('{vacancy}', 'v{number}', 'Role {number}', '{{}}', false,"
                f" 'open', 'vacancy-{number}')"
            )
        for task_id, (key, occasion, status) in tasks.items():
            connection.execute(
                "insert into tasks (id, candidate_id, idempotency_key, owner, occasion, channel,"
                " sender_role, draft, due_at, status) values (%s, %s, %s, 'o@example.com', %s,"
                " 'linkedin_message', 'employee', 'Hi', now(), %s)",
                (task_id, candidate, key, occasion, status),
            )
    migrate.upgrade(scratch_database)
    with psycopg.connect(plain) as connection:
        links = connection.execute(
            "select task_id::text, vacancy_id::text from task_vacancies order by 1, 2"
        ).fetchall()
    # Closed drafts too; never a vacancy that does not exist, nor a task of another occasion.
    assert links == [(task(1), first), (task(1), second), (task(2), second), (task(3), first)]
    migrate.downgrade(scratch_database, "0007")
    migrate.upgrade(scratch_database)
    assert schema_drift(scratch_database) == []
