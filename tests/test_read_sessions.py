"""Sessions for reads: autocommit, so a read of one statement is one round trip to PostgreSQL
(no BEGIN, no COMMIT), on the same pool as the sessions that write; and the routes that only
read take them."""

from __future__ import annotations

from fastapi.routing import APIRoute
from sqlalchemy import text

from api.candidates.routes import router
from api.deps import get_read_session, get_session
from rapport.db.session import make_engine, make_read_session_factory, make_session_factory

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
        async with make_read_session_factory(engine)() as session:
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
            calls = {dependency.call for dependency in route.dependant.dependencies}
            for method in route.methods:
                taken[(method, route.path)] = calls
    for key in READ_ONLY_ROUTES:
        assert get_read_session in taken[key] and get_session not in taken[key], key
    writes = [key for key in taken if key[0] in {"POST", "PATCH", "PUT", "DELETE"}]
    assert writes
    for key in writes:
        assert get_read_session not in taken[key], key
