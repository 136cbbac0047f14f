"""Engine and session factory, built once by whoever owns the process (API lifespan, worker).

Every engine bounds how long it waits for PostgreSQL: to connect, for a pooled connection, and
for each answer. A server that is slow is stopped by its own `statement_timeout`; one that is
frozen (stopped, or cut off by the network) never answers at all, and only the client's own
bound frees the request. A connection given up on that way is closed, never reused: its server
may still be in the middle of the statement.

A pooled connection is checked when it is taken, without a round trip: one closed here, or
whose server has hung up (something waiting unasked in its idle socket), is replaced first.
"""

from __future__ import annotations

import asyncio
import select
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import errors, pq, waiting
from psycopg.abc import RV, PQGen
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from rapport.settings import Settings

# psycopg's own wait loop wakes this often to notice interruptions; the same value as its own.
WAIT_INTERVAL_SECONDS = 0.1
# A live server stops a long statement itself, and says so; the client waits this much longer
# before it concludes that the server is not answering at all.
ANSWER_GRACE_SECONDS = 1.0


@dataclass(frozen=True)
class DatabaseBounds:
    """How long an engine waits for PostgreSQL, in seconds; None waits as long as it takes."""

    connect_timeout: int = 10
    # Server side: PostgreSQL cancels a statement running longer (sent as `statement_timeout`).
    statement_timeout: float | None = None
    # Client side: the longest wait for any one answer (a statement, a commit, a ping) before
    # the connection is closed and the statement fails.
    answer_timeout: float | None = None
    # Waiting for a connection when the pool is all in use.
    pool_timeout: float = 30.0

    @classmethod
    def for_requests(cls, settings: Settings) -> DatabaseBounds:
        """The API's: a request answers 503 in seconds rather than wait out an outage."""
        return cls(
            connect_timeout=settings.db_connect_timeout_seconds,
            statement_timeout=settings.db_statement_timeout_seconds,
            answer_timeout=settings.db_statement_timeout_seconds + ANSWER_GRACE_SECONDS,
            pool_timeout=settings.db_pool_timeout_seconds,
        )


class BoundedConnection(psycopg.AsyncConnection[Any]):
    """A psycopg connection that stops waiting for an answer after `answer_timeout` seconds.

    Every round trip of psycopg (execute, fetch, commit, rollback) goes through `wait`. When the
    bound expires, or the waiting task is cancelled mid-statement, the connection is closed at
    once. psycopg itself would first ask the server to cancel and wait for that, up to ten
    seconds, which a frozen server never grants.
    """

    answer_timeout: float | None = None

    # psycopg's own signature, which this overrides: hence the `timeout` parameter.
    async def wait(
        self,
        gen: PQGen[RV],
        interval: float = WAIT_INTERVAL_SECONDS,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> RV:
        bound = timeout if timeout is not None else self.answer_timeout
        try:
            return await waiting.wait_async(gen, self.pgconn.socket, interval, bound)
        except errors._WaitTimeout:
            if timeout is not None:
                raise  # a caller's own timeout (notifies): theirs to handle
            self.pgconn.finish()
            raise errors.OperationalError(
                f"PostgreSQL did not answer within {bound:g}s; the connection was closed"
            ) from None
        except (asyncio.CancelledError, KeyboardInterrupt):
            if self.pgconn.transaction_status == pq.TransactionStatus.ACTIVE:
                self.pgconn.finish()
            raise


def bounded_connect(answer_timeout: float | None) -> Any:
    """The `async_creator_fn` SQLAlchemy's psycopg dialect calls to open each connection."""

    async def connect(*args: Any, **kwargs: Any) -> BoundedConnection:
        connection = await BoundedConnection.connect(*args, **kwargs)
        connection.answer_timeout = answer_timeout
        return connection

    return connect


def hung_up(connection: psycopg.AsyncConnection[Any]) -> bool:
    """Whether a pooled connection is of no more use, found without a round trip: closed here
    (an answer waited out), or its server gone (restarted, or the backend terminated). An idle
    connection has nothing to read unless its server spoke unasked, which is almost always to
    say why it hangs up before it does; so anything waiting in the socket (one `poll`, which
    never waits) counts as a hang-up, and the rare other word costs only a new connection."""
    if connection.closed or connection.broken:
        return True
    try:
        socket = connection.pgconn.socket
    except psycopg.OperationalError:
        return True
    waiting_input = select.poll()
    waiting_input.register(socket, select.POLLIN)
    return bool(waiting_input.poll(0))


def discard_hung_up(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """The pool's checkout hook: a connection that has `hung_up` is replaced by a new one
    before anyone uses it (SQLAlchemy's pool retries the checkout on DisconnectionError)."""
    if hung_up(dbapi_connection.driver_connection):
        raise DisconnectionError("the connection was closed, or its server hung up")


def make_engine(
    database_url: str, *, pool_size: int = 5, bounds: DatabaseBounds | None = None
) -> AsyncEngine:
    bounds = bounds or DatabaseBounds()
    url = async_url(database_url)
    connect_args: dict[str, Any] = {
        "connect_timeout": bounds.connect_timeout,
        "async_creator_fn": bounded_connect(bounds.answer_timeout),
    }
    if bounds.statement_timeout is not None:
        # Kept together with any options the URL already carries (a search_path, say).
        given = make_url(url).query.get("options")
        own = f"-c statement_timeout={round(bounds.statement_timeout * 1000)}"
        connect_args["options"] = " ".join([*([given] if isinstance(given, str) else []), own])
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        # Not SQLAlchemy's pre-ping, a `SELECT 1` round trip at every checkout: about 0.14 ms
        # of the API's CPU on each read (of 1.57), and one more round trip for each of a
        # send's sessions. A connection that is over is found without one (discard_hung_up); one to
        # a server that stopped answering is closed by the answer bound at its first statement.
        pool_pre_ping=False,
        max_overflow=10,
        pool_timeout=bounds.pool_timeout,
        connect_args=connect_args,
    )
    event.listen(engine.sync_engine, "checkout", discard_hung_up)
    return engine


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def autocommit_twin(sessions: async_sessionmaker[AsyncSession]) -> async_sessionmaker[AsyncSession]:
    """Autocommit sessions on the same engine as `sessions` (make_autocommit_session_factory)."""
    engine: AsyncEngine = sessions.kw["bind"]
    return make_autocommit_session_factory(engine)


def make_autocommit_session_factory(
    engine: AsyncEngine,
) -> async_sessionmaker[AsyncSession]:
    """Sessions on the same pool in autocommit: each statement is its own transaction, so a
    read or a write of one statement is one round trip, not BEGIN, the statement and COMMIT
    (three). Statements of one such session do not share a snapshot and each write commits at
    once: only for reads, and for a write that is a single statement."""
    return async_sessionmaker(
        engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
    )


def async_url(database_url: str) -> str:
    """Accept plain `postgresql://` URLs too; psycopg 3 serves both sync and async."""
    for prefix in ("postgresql://", "postgres://"):
        if database_url.startswith(prefix):
            return "postgresql+psycopg://" + database_url[len(prefix) :]
    return database_url


class Turns:
    """First come, first served: a request's turn at the pool's connections.

    SQLAlchemy's asyncio pool lets a newcomer take a connection just returned ahead of a
    request already waiting for one, which then waits again behind the newcomers. Under load a
    few requests so waited out the whole pool timeout and answered 503 while the rest went
    straight through (`bench.api_reads`, 32 clients, 20 connections: p99 775 to 894 ms, p50 55
    ms). An `asyncio.Semaphore` wakes its waiters in order and lets no one overtake them; with
    at most `slots` turns out at once (the pool's size), no turn waits for a connection either.
    """

    def __init__(self, slots: int, timeout: float) -> None:
        self._slots = asyncio.Semaphore(slots)
        self._timeout = timeout

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        try:
            if self._slots.locked():
                await asyncio.wait_for(self._slots.acquire(), self._timeout)
            else:
                # A turn free now, with no one waiting: taken at once, without the task that
                # `wait_for` starts to bound a wait (a tenth of a profile read's CPU).
                await self._slots.acquire()
        except TimeoutError:
            # The pool's own error, answered 503 like a pool timeout (api.unavailable).
            raise PoolTimeoutError(
                f"no database connection free within {self._timeout:g}s"
            ) from None
        try:
            yield
        finally:
            self._slots.release()
