"""A Rapport to hurt: a Temporal dev server, `python worker.py` as a subprocess and an SMTP server
that counts by Message-ID, all on free ports, around a database the caller brings; and a
client and sessions to start workflows and read what they recorded. Stopped afterwards."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from temporalio.client import Client

from harness.population import Sessions
from harness.processes import (
    TemporalServer,
    WorkerProcess,
    settings_of,
    temporal_server,
    worker_env,
)
from harness.smtp import CountingSMTP, counting_smtp
from rapport.db.session import make_engine, make_session_factory
from rapport.settings import Settings
from rapport.temporal import connect

# A restarted worker sends again once the killed one's sends time out (30 s); all may be done.
FIRST_SEND_WITHIN = 45.0


@dataclass
class Rig:
    temporal: TemporalServer
    worker: WorkerProcess
    smtp: CountingSMTP
    env: dict[str, str]
    settings: Settings
    sessions: Sessions
    client: Client
    logs: Path

    async def kill_worker_while_sending(
        self, kills: int, interval: float, first_within: float = FIRST_SEND_WITHIN
    ) -> list[Kill]:
        """SIGKILL the worker `kills` times, each `interval` seconds after the first email the
        current one sent (or `first_within` seconds without one), restarting it at once."""
        done = []
        for _ in range(kills):
            # A worker just (re)started takes seconds to start: a kill before its first send
            # could not double anything.
            sending = await asyncio.to_thread(self.smtp.first.wait, first_within)
            await asyncio.sleep(interval)
            self.smtp.first.clear()
            done.append(Kill(time.monotonic(), self.smtp.count(), sending))
            self.worker.restart()
        return done


@dataclass(frozen=True)
class Kill:
    at: float  # time.monotonic()
    received_before: int
    after_a_send: bool  # False: no email within `first_within` of the previous (re)start


@contextlib.asynccontextmanager
async def rig(
    database_url: str, logs: Path, task_queue: str, *, durable: bool = False, **settings: str
) -> AsyncIterator[Rig]:
    """The servers and a worker (not started: `rig.worker.start()`), logging into `logs` (a
    directory); `durable`: Temporal keeps its state in a file there, so that it can be killed
    and started again; `settings` as RAPPORT_* settings of the worker and `rig.settings`."""
    with contextlib.ExitStack() as stack:
        db_file = logs / "temporal.db" if durable else None
        temporal = stack.enter_context(temporal_server(logs / "temporal.log", db_file))
        smtp, smtp_port = stack.enter_context(counting_smtp())
        env = worker_env(database_url, temporal.address, smtp_port, task_queue, **settings)
        worker = WorkerProcess(env, logs / "worker.log")
        stack.callback(worker.stop)
        engine = make_engine(database_url)
        try:
            client = await connect(settings_of(env))
            yield Rig(
                temporal, worker, smtp, env, settings_of(env), make_session_factory(engine),
                client, logs,
            )  # fmt: skip
        finally:
            await engine.dispose()
