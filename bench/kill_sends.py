"""Kill benchmark: how many emails a worker SIGKILLed in the middle of sending loses or doubles.

    .venv/bin/python -m bench.kill_sends            # 200 candidates, 3 kills 5 s apart

It starts, each on free ports and stopped afterwards: a fresh PostgreSQL database (as
`bench.fanout` finds one), a Temporal dev server (in memory, Rapport's search attributes), an
SMTP server in this process (aiosmtpd) that keeps the raw Message-ID of every message it
accepts, and `python worker.py` as a subprocess. Then it

1. writes N candidates whose birthday is today where the send window is open now, with email
   and consent, and starts their workflows as enrolment does: every birthday email is due now;
2. SIGKILLs the worker `--kills` times (3), each `--interval` seconds (5) after the first
   email it sent, and starts a new one straight away each time;
3. waits until every candidate's birthday touch is recorded (a killed worker's sends time out
   and are retried after 30 s) and the mailbox has been quiet for a while;
4. prints emails lost (a candidate with nothing received), delivered twice (a Message-ID
   received more than once), doubles per kill, and the touches flagged as possibly delivered
   twice (a column that exists only once Rapport records sends in flight).

It runs against whatever code is in the working directory, so the same script measures an
older checkout too (copy it into one and run it there).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import text

from api.candidates.workflow import start_workflow
from bench.stack import bench_database, say
from harness.api_helpers import country_without_holiday, zone_in_send_window
from harness.rows import make_candidate
from harness.stack import free_port
from rapport.codec import new_key
from rapport.db.session import make_engine, make_session_factory
from rapport.devstack.children import venv_binary, wait_for_port
from rapport.search_attributes import REGISTRY
from rapport.settings import Settings
from rapport.temporal import connect

ROOT = Path(__file__).resolve().parents[1]
TASK_QUEUE = "rapport-kill-bench"
MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(\S+)", re.IGNORECASE | re.MULTILINE)
QUIET_SECONDS = 10.0
# A restarted worker sends again once the killed one's sends time out (30 s); all may be done.
FIRST_SEND_WITHIN = 45.0
POLL_SECONDS = 0.5


@dataclass
class Counting:
    """aiosmtpd handler: the Message-ID of every message accepted, in order of arrival."""

    received: list[bytes] = field(default_factory=list)
    last_at: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    first: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        found = MESSAGE_ID.search(envelope.original_content or b"")
        with self.lock:
            self.received.append(found.group(1) if found else b"<none>")
            self.last_at = time.monotonic()
        self.first.set()
        return "250 OK"

    def snapshot(self) -> list[bytes]:
        with self.lock:
            return list(self.received)


@contextlib.contextmanager
def temporal_server(port: int, log: Path) -> Iterator[str]:
    command = [
        venv_binary("temporal"), "server", "start-dev", "--ip", "127.0.0.1",
        "--port", str(port), "--ui-port", str(free_port()), "--log-level", "warn",
    ]  # fmt: skip
    for name, kind in REGISTRY.items():
        command += ["--search-attribute", f"{name}={kind}"]
    with log.open("ab") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for_port("127.0.0.1", port, "temporal")
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(30)


@dataclass
class WorkerProcess:
    """`python worker.py` in the working directory; killed and restarted by its own pid."""

    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "worker.py"], cwd=Path.cwd(), env=self.env,
                stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


def worker_env(database_url: str, temporal: str, smtp_port: int) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("RAPPORT_")}
    env.update(
        RAPPORT_DATABASE_URL=database_url,
        RAPPORT_TEMPORAL_ADDRESS=temporal,
        RAPPORT_TASK_QUEUE=TASK_QUEUE,
        RAPPORT_SMTP_HOST="127.0.0.1",
        RAPPORT_SMTP_PORT=str(smtp_port),
        RAPPORT_MAIL_FROM="Rapport <rapport@bench.example.com>",
        RAPPORT_SECRET_KEY=secrets.token_hex(32),
        RAPPORT_ENCRYPTION_KEYS=new_key(),
        RAPPORT_SEND_DAYS="mon,tue,wed,thu,fri,sat,sun",
        RAPPORT_DIGEST_PAUSED="true",
        PYTHONUNBUFFERED="1",
    )
    return env


async def recorded(sessions: Any) -> tuple[int, int | None]:
    """Birthday touches recorded as sent, and those flagged possibly delivered twice (None
    where the schema has no such column: the code before sends were recorded in flight)."""
    async with sessions() as session:
        sent = (
            await session.execute(text("select count(*) from touches where status = 'sent'"))
        ).scalar_one()
        has_flag = (
            await session.execute(
                text(
                    "select count(*) from information_schema.columns where table_name = "
                    "'touches' and column_name = 'possibly_duplicate'"
                )
            )
        ).scalar_one()
        flagged = None
        if has_flag:
            flagged = (
                await session.execute(text("select count(*) from touches where possibly_duplicate"))
            ).scalar_one()
    return int(sent), flagged


async def benchmark(count: int, kills: int, interval: float, give_up_after: float) -> None:
    with contextlib.ExitStack() as stack:
        logs = Path(tempfile.mkdtemp(prefix="rapport-kill-bench-"))
        database_url = stack.enter_context(bench_database())
        temporal = stack.enter_context(temporal_server(free_port(), logs / "temporal.log"))
        handler, smtp_port = Counting(), free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
        controller.start()
        stack.callback(controller.stop)
        env = worker_env(database_url, temporal, smtp_port)
        settings = Settings(_env_file=None, **{  # type: ignore[arg-type,call-arg]
            key.removeprefix("RAPPORT_").lower(): value
            for key, value in env.items() if key.startswith("RAPPORT_")
        })  # fmt: skip
        engine = make_engine(database_url)
        sessions = make_session_factory(engine)
        client = await connect(settings)
        worker = WorkerProcess(env, logs / "worker.log")
        stack.callback(worker.stop)
        say(f"logs in {logs}")

        zone, local = zone_in_send_window(datetime.now(UTC))
        country = country_without_holiday(local.date())
        candidates = []
        for number in range(count):
            candidate, _ = await make_candidate(
                sessions, timezone=zone, country=country, job_started_on=None,
                birthday_month=local.month, birthday_day=local.day,
                email=f"bench-{number}@example.com", full_name=f"Bench Person{number}",
            )  # fmt: skip
            candidates.append(candidate)
        worker.start()
        started = time.monotonic()
        for candidate in candidates:
            await start_workflow(client, settings, candidate)
        say(f"{count} birthday emails due now ({zone}, local {local:%H:%M})")

        for kill in range(1, kills + 1):
            # `interval` seconds into sending: a worker just restarted takes a few seconds to
            # start, and a kill before its first send could not double anything.
            if not await asyncio.to_thread(handler.first.wait, FIRST_SEND_WITHIN):
                say(f"no email within {FIRST_SEND_WITHIN:g} s of the restart; killing anyway")
            await asyncio.sleep(interval)
            handler.first.clear()
            before = len(handler.snapshot())
            worker.kill()
            say(f"kill {kill} at {time.monotonic() - started:.1f} s, {before} emails received")
            worker.start()

        deadline = time.monotonic() + give_up_after
        while time.monotonic() < deadline:
            sent, _ = await recorded(sessions)
            quiet = time.monotonic() - handler.last_at > QUIET_SECONDS
            if sent >= count and quiet:
                break
            await asyncio.sleep(POLL_SECONDS)
        sent, flagged = await recorded(sessions)
        await engine.dispose()

    received = Counter(handler.snapshot())
    # One birthday email per candidate, each with a Message-ID of its own.
    lost = count - len(received)
    doubled = sum(times - 1 for times in received.values() if times > 1)
    say(
        f"result: {count} candidates, {kills} kills {interval:g} s apart: "
        f"{sum(received.values())} emails received, {len(received)} distinct Message-IDs, "
        f"lost {lost}, delivered twice {doubled} ({doubled / max(kills, 1):.2f} per kill); "
        f"touches recorded sent {sent}, flagged possibly delivered twice "
        f"{'n/a (no such column)' if flagged is None else flagged}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between kills")
    parser.add_argument("--give-up-after", type=float, default=300.0)
    args = parser.parse_args()
    asyncio.run(benchmark(args.candidates, args.kills, args.interval, args.give_up_after))


if __name__ == "__main__":
    main()
