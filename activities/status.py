"""The status activity: a candidate's workflow stores its stage and next touch in PostgreSQL
whenever they change, and the state its planner reads (rapport.plan_state), so the API reads
them, and draws the plan, without waking the workflow.

Run as a local activity (one quick upsert inside the workflow task: no task queue round trip,
one marker in the history). Idempotent and ordered by the workflow's clock, so a retry or a
late attempt never overwrites a newer status.
"""

from __future__ import annotations

import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from rapport.contracts.status import StatusToStore
from rapport.db.repositories import candidates as candidate_repo
from rapport.db.repositories import statuses as status_repo
from rapport.db.session import autocommit_twin


class StatusActivities:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        # The store is one statement: in autocommit, one round trip instead of three.
        self._sessions = autocommit_twin(session_factory)

    @activity.defn(name="store_status")
    async def store_status(self, status: StatusToStore) -> bool:
        """True when stored; False when the candidate is gone (erased meanwhile). Raises, to
        be tried again, while the candidate's row is not there yet: a new workflow's first task
        can run before the enrolment that started it has committed the row. (A new candidate's
        enrolment stores their first status in that transaction, so a first task that stores
        a different one waits on it until the enrolment commits, then replaces it.)"""
        candidate_id = uuid.UUID(status.candidate_id)
        try:
            async with self._sessions.begin() as session:
                await status_repo.store_published(session, status)
        except IntegrityError:
            async with self._sessions() as session:
                if await candidate_repo.get_erasure(session, candidate_id) is not None:
                    return False
            raise NotEnrolledYet(f"candidate {candidate_id} has no row yet") from None
        return True


class NotEnrolledYet(Exception):
    """The candidate's row is not committed yet (retried); an erased one leaves an erasure."""
