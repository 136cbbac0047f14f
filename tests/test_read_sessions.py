"""Sessions for reads: autocommit, so a read of one statement is one round trip to PostgreSQL
(no BEGIN, no COMMIT), on the same pool as the sessions that write; the routes that only read
take them; and every route's session waits its turn for a connection, first come first served."""

from __future__ import annotations

import asyncio

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import text
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from api.candidates.routes import router
from api.deps import get_read_session, get_session
from rapport.db.session import (
    Turns,
    make_autocommit_session_factory,
    make_engine,
    make_session_factory,
)

# The second statement of a session: in a transaction begun by the first, the transaction
# started before this statement did; in autocommit, the statement is its own transaction.
OWN_TRANSACTION = "select transaction_timestamp() = statement_timestamp()"
READ_ONLY_ROUTES = {
    ("GET", "/api/candidates"),
    ("GET", "/api/candidates/{candidate_id}"),
    ("GET", "/api/candidates/{candidate_id}/plan"),
    ("GET", "/api/candidates/{candidate_id}/touches"),
}


async def test_a_read_session_runs_each_statement_as_its_own_transaction(
    database_url: str,
) -> None:
    engine = make_engine(database_url, pool_size=1)
    try:
        async with make_autocommit_session_factory(engine)() as session:
            await session.execute(text("select pg_sleep(0.01)"))
            assert await session.scalar(text(OWN_TRANSACTION)) is True
        # The connection goes back to the pool as it came: the next session is transactional.
        async with make_session_factory(engine)() as session:
            await session.execute(text("select pg_sleep(0.01)"))
            assert await session.scalar(text(OWN_TRANSACTION)) is False
            await session.commit()
    finally:
        await engine.dispose()


def test_the_candidates_reads_take_a_read_session_and_their_writes_do_not() -> None:
    taken: dict[tuple[str, str], set[object]] = {}
    for route in router.routes:
        if isinstance(route, APIRoute):
            calls: set[object] = {dependency.call for dependency in route.dependant.dependencies}
            for method in route.methods or ():
                taken[(method, route.path)] = calls
    for key in READ_ONLY_ROUTES:
        assert get_read_session in taken[key] and get_session not in taken[key], key
    writes = [key for key in taken if key[0] in {"POST", "PATCH", "PUT", "DELETE"}]
    assert writes
    for key in writes:
        assert get_read_session not in taken[key], key


async def test_turns_go_in_the_order_they_were_asked_for_and_no_newcomer_overtakes() -> None:
    turns = Turns(slots=1, timeout=5)
    order: list[str] = []
    holding = asyncio.Event()
    release = asyncio.Event()

    async def holder() -> None:
        async with turns.turn():
            holding.set()
            await release.wait()
        # Asked for the moment the turn came back: the waiters asked before it did.
        await take("newcomer")

    async def take(name: str) -> None:
        async with turns.turn():
            order.append(name)
            await asyncio.sleep(0)

    first = asyncio.create_task(holder())
    await holding.wait()
    waiting = [asyncio.create_task(take(f"waiter {number}")) for number in range(3)]
    await asyncio.sleep(0.01)
    release.set()
    await asyncio.gather(first, *waiting)
    assert order == ["waiter 0", "waiter 1", "waiter 2", "newcomer"]


async def test_a_turn_not_given_in_time_is_the_pool_s_timeout() -> None:
    turns = Turns(slots=1, timeout=0.05)
    async with turns.turn():
        with pytest.raises(PoolTimeoutError, match="no database connection free"):
            async with turns.turn():
                pass
    async with turns.turn():  # given back: the next turn is at once
        pass
