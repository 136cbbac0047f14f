"""The API's engine: PostgreSQL itself stops a statement over the bound, and the connection
stays usable (a frozen server, which never stops anything, is test_frozen_dependencies)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

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
