"""Rapport's processes as the fault tests and the benchmarks run them to hurt them: a Temporal dev
server (in memory, or file-backed so that it survives a SIGKILL), `python worker.py`, each
killed and restarted by its own pid; and any server frozen with SIGSTOP (Linux /proc)."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rapport.codec import new_key
from rapport.devstack.children import venv_binary, wait_for_port
from rapport.search_attributes import REGISTRY
from rapport.settings import Settings

from .stack import ROOT, free_port

STOP_SECONDS = 30.0


def _stop(process: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM, then SIGKILL if it has not exited in STOP_SECONDS."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _kill(process: subprocess.Popen[bytes] | None) -> None:
    assert process is not None
    process.send_signal(signal.SIGKILL)
    process.wait()


@dataclass
class TemporalServer:
    """`temporal server start-dev` on a fixed port, with Rapport's search attributes; with a
    `db_file`, its state is kept there, so a restart finds every workflow and timer again."""

    port: int
    log: Path
    db_file: Path | None = None
    process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [
            venv_binary("temporal"), "server", "start-dev", "--ip", "127.0.0.1",
            "--port", str(self.port), "--ui-port", str(free_port()), "--log-level", "warn",
        ]  # fmt: skip
        if self.db_file is not None:
            command += ["--db-filename", str(self.db_file)]
        for name, kind in REGISTRY.items():
            command += ["--search-attribute", f"{name}={kind}"]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        wait_for_port("127.0.0.1", self.port, "temporal")

    def kill(self) -> None:
        """SIGKILL: no shutdown, whatever it had not written is lost."""
        _kill(self.process)

    def stop(self) -> None:
        _stop(self.process)


@contextlib.contextmanager
def temporal_server(log: Path, db_file: Path | None = None) -> Iterator[TemporalServer]:
    server = TemporalServer(free_port(), log, db_file)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class WorkerProcess:
    """`python worker.py` from the project's root, with `env`; killed and restarted by pid."""

    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    kills: int = 0

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "worker.py"], cwd=ROOT, env=self.env,
                stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def kill(self) -> None:
        _kill(self.process)
        self.kills += 1

    def restart(self) -> None:
        self.kill()
        self.start()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        _stop(self.process)


@dataclass
class ApiProcess:
    """`uvicorn api.main:app` on a free port of its own, with `env`; one of several APIs on the
    same database and task queue."""

    env: dict[str, str]
    log: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.port = self.port or free_port()
        command = [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1",
                   "--port", str(self.port)]  # fmt: skip
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        wait_for_port("127.0.0.1", self.port, "api")

    def stop(self) -> None:
        _stop(self.process)


def worker_env(
    database_url: str, temporal: str, smtp_port: int, task_queue: str, **extra: str
) -> dict[str, str]:
    """The environment of a worker (or an API) on these servers: every day a sending day, the
    digest paused, fresh keys; `extra` as RAPPORT_<NAME> settings (`send_window="…"`)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("RAPPORT_")}
    env.update(
        RAPPORT_DATABASE_URL=database_url,
        RAPPORT_TEMPORAL_ADDRESS=temporal,
        RAPPORT_TASK_QUEUE=task_queue,
        RAPPORT_SMTP_HOST="127.0.0.1",
        RAPPORT_SMTP_PORT=str(smtp_port),
        RAPPORT_MAIL_FROM="Rapport <rapport@faults.example.com>",
        RAPPORT_SECRET_KEY=secrets.token_hex(32),
        RAPPORT_ENCRYPTION_KEYS=new_key(),
        RAPPORT_SEND_DAYS="mon,tue,wed,thu,fri,sat,sun",
        RAPPORT_DIGEST_PAUSED="true",
        PYTHONUNBUFFERED="1",
    )
    env.update({f"RAPPORT_{name.upper()}": value for name, value in extra.items()})
    return env


def settings_of(env: dict[str, str], **overrides: str) -> Settings:
    """The settings a process started with `env` reads (no `.env`), with `overrides`."""
    values: dict[str, str] = {
        key.removeprefix("RAPPORT_").lower(): value
        for key, value in env.items()
        if key.startswith("RAPPORT_")
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg,arg-type]


# --- freezing ---------------------------------------------------------------------------


def cmdline(pid: int) -> bytes:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    return b""


def parent_of(stat: Path) -> int:
    # The parent's pid is the second field after the command name, which is in parentheses.
    return int(stat.read_text().rsplit(")", 1)[1].split()[1])


def descendants(root: int) -> list[int]:
    """Every process forked from `root`, children before grandchildren (Linux /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                parents[int(entry.name)] = parent_of(entry / "stat")
    found, frontier = [], [root]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


@contextlib.contextmanager
def frozen(root: int) -> Iterator[None]:
    """SIGSTOP a server and every process it forked; SIGCONT all of them whatever happens."""
    stopped: list[int] = []
    try:
        # The parent first, so that it forks nothing new while its children are stopped.
        for pid in [root, *descendants(root)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)
                stopped.append(pid)
        yield
    finally:
        for pid in reversed(stopped):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
