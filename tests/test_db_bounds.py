"""The API's engine: PostgreSQL itself stops a statement over the bound, and the connection
stays usable (a frozen server, which never stops anything, is test_frozen_dependencies)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection

from rapport.db.session import DatabaseBounds, make_engine
from rapport.settings import Settings


async def test_a_statement_over_the_bound_is_cancelled_by_the_server(database_url: str) -> None:
    settings = Settings(_env_file=None, db_statement_timeout_seconds=0.5)  # type: ignore[call-arg]
    engine = make_engine(database_url, pool_size=1, bounds=DatabaseBounds.for_requests(settings))
    try:
        async with engine.connect() as connection:
            assert (await connection.scalar(text("show statement_timeout"))) == "500ms"
            started = time.monotonic()
            with pytest.raises(OperationalError, match="statement timeout"):
                await connection.execute(text("select pg_sleep(5)"))
            assert time.monotonic() - started < 5
            await connection.rollback()
            # Cancelled by the server, not given up by the client: the connection still works.
            assert (await connection.scalar(text("select 1"))) == 1
    finally:
        await engine.dispose()


async def pgconn_of(connection: AsyncConnection) -> Any:
    """libpq's connection under the pooled connection behind `connection`."""
    raw = await connection.get_raw_connection()
    assert raw.driver_connection is not None
    return raw.driver_connection.pgconn


async def backend_of(connection: AsyncConnection) -> int:
    """The server process of the pooled connection behind `connection`, read locally."""
    return int((await pgconn_of(connection)).backend_pid)


async def test_taking_a_pooled_connection_sends_nothing(database_url: str) -> None:
    """No `SELECT 1` before each use (SQLAlchemy's pre-ping): the server saw nothing between
    the connection's last statement and its next checkout."""
    engine = make_engine(database_url, pool_size=1)
    monitor = make_engine(database_url, pool_size=1)
    # In autocommit, so that no ROLLBACK follows the statement when the connection goes back.
    reading = engine.execution_options(isolation_level="AUTOCOMMIT")
    try:
        async with reading.connect() as connection:
            await connection.execute(text("select 'the last statement'"))
        async with reading.connect() as connection:
            backend = await backend_of(connection)
            async with monitor.connect() as watching:
                last = await watching.scalar(
                    text("select query from pg_stat_activity where pid = :pid"), {"pid": backend}
                )
            assert last == "select 'the last statement'"
    finally:
        await engine.dispose()
        await monitor.dispose()


async def test_a_connection_its_server_hung_up_is_replaced_before_use(database_url: str) -> None:
    """A backend terminated while its connection sat in the pool (as a restart of PostgreSQL
    does to all of them): the next checkout gets a new connection and the statement runs."""
    engine = make_engine(database_url, pool_size=1)
    monitor = make_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            backend = await backend_of(connection)
        async with monitor.connect() as killing:
            assert await killing.scalar(text("select pg_terminate_backend(:pid)"), {"pid": backend})
        await asyncio.sleep(0.2)  # the server's goodbye reaches the socket
        async with engine.connect() as connection:
            assert (await connection.scalar(text("select 1"))) == 1
            assert await backend_of(connection) != backend
    finally:
        await engine.dispose()
        await monitor.dispose()


async def test_a_connection_closed_here_is_replaced_before_use(database_url: str) -> None:
    """A connection closed by the client (an answer waited out closes it) and still pooled."""
    engine = make_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            pgconn = await pgconn_of(connection)
            backend = int(pgconn.backend_pid)
            pgconn.finish()
        async with engine.connect() as connection:
            assert (await connection.scalar(text("select 1"))) == 1
            assert await backend_of(connection) != backend
    finally:
        await engine.dispose()
