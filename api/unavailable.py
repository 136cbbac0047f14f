"""503 with `Retry-After` when PostgreSQL or Temporal does not answer in time.

Every wait on them is bounded (rapport.db.session, rapport.temporal); these handlers turn the
errors those bounds raise into an answer a client knows to retry, instead of a 500. Retrying is
safe: an enrolment, vacancy or campaign is committed only once its workflow exists, so one that
failed wrote nothing; a change stored before its workflow is told is completed by the retry.
"""

from __future__ import annotations

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from temporalio.service import RPCError, RPCStatusCode

# An outage worth a 503 is usually over in seconds (a restart, a failover).
RETRY_AFTER_SECONDS = 5
RETRY_AFTER = {"Retry-After": str(RETRY_AFTER_SECONDS)}
# What Temporal's client reports for a server that did not answer, or could not be reached.
NOT_ANSWERED = {RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.UNAVAILABLE}


def is_outage(err: BaseException) -> bool:
    """Whether `err` says a dependency did not answer in time (rather than refused a request)."""
    if isinstance(err, RPCError):
        return err.status in NOT_ANSWERED
    return isinstance(err, OperationalError | PoolTimeoutError | TimeoutError)


def unavailable(what: str) -> JSONResponse:
    return JSONResponse(
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        content={"detail": f"{what} did not answer in time; retry shortly"},
        headers=RETRY_AFTER,
    )


async def database_unavailable(_: Request, __: Exception) -> JSONResponse:
    # OperationalError: no connection in time, no answer in time (the connection is then
    # closed), a statement over statement_timeout, a server going away. The pool's own
    # TimeoutError: every connection in use for longer than the pool timeout.
    return unavailable("the database")


async def temporal_unavailable(_: Request, exc: Exception) -> JSONResponse:
    if not is_outage(exc):
        raise exc  # any other refusal is a bug or a bad request, not an outage
    return unavailable("Temporal")


async def timed_out(_: Request, __: Exception) -> JSONResponse:
    return unavailable("a service the API depends on")


def install(app: FastAPI) -> None:
    app.add_exception_handler(OperationalError, database_unavailable)
    app.add_exception_handler(PoolTimeoutError, database_unavailable)
    app.add_exception_handler(RPCError, temporal_unavailable)
    app.add_exception_handler(TimeoutError, timed_out)
