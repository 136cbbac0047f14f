"""The dev stack (`python -m rapport.devstack`, what `make dev` runs) as a subprocess on free
ports, configured as the end-to-end tests and the benchmarks want it, and stopped as Ctrl-C
would stop it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_SECONDS = 120.0
ADMIN_KEY = "rpk_test-admin-key-for-the-e2e-stack"
AUTH = {"Authorization": f"Bearer {ADMIN_KEY}"}
METRICS_TOKEN = "test-scrape-token-for-the-e2e-stack"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class RunningStack:
    process: subprocess.Popen[bytes]
    data_dir: Path
    env: dict[str, str]
    api_url: str
    temporal_address: str
    ui_url: str
    log_path: Path

    @property
    def mail_dir(self) -> Path:
        return self.data_dir / "mail"

    @property
    def worker_metrics_url(self) -> str:
        """The worker's Temporal SDK metrics, for Prometheus."""
        return f"http://{self.env['RAPPORT_WORKER_METRICS_ADDRESS']}/metrics"


def stack_env(data_dir: Path, database_url: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("RAPPORT_")}
    env.update(
        RAPPORT_DATA_DIR=str(data_dir),
        RAPPORT_DATABASE_URL=database_url,
        RAPPORT_API_PORT=str(free_port()),
        RAPPORT_TEMPORAL_PORT=str(free_port()),
        RAPPORT_UI_PORT=str(free_port()),
        RAPPORT_SMTP_PORT=str(free_port()),
        RAPPORT_WORKER_METRICS_ADDRESS=f"127.0.0.1:{free_port()}",
        RAPPORT_METRICS_TOKEN=METRICS_TOKEN,
        RAPPORT_TASK_QUEUE="rapport-e2e",
        RAPPORT_ADMIN_API_KEY=ADMIN_KEY,
        # Every day is a working day here, so the suite passes on a weekend too (working days
        # and holidays are pinned by the planner's table tests), and vacancies go out at once.
        RAPPORT_SEND_DAYS="mon,tue,wed,thu,fri,sat,sun",
        RAPPORT_VACANCY_BATCH_MINUTES="0",
        # Small pages, so a fan-out takes long enough to be interrupted in the middle.
        RAPPORT_FANOUT_PAGE_SIZE="10",
        RAPPORT_FANOUT_CONCURRENCY="5",
        # Not the defaults, so the test of the digest's schedule sees the settings applied;
        # paused, so that its daily run cannot take other tests' matches (the tests trigger it).
        RAPPORT_DIGEST_TIME="06:45",
        RAPPORT_DIGEST_TIMEZONE="Asia/Tokyo",
        RAPPORT_DIGEST_PAUSED="true",
        # Connected mailboxes (tests/test_mailboxes*.py) are read every two seconds.
        RAPPORT_MAILBOX_POLL_SECONDS="2",
        PYTHONUNBUFFERED="1",
    )
    return env


def spawn(data_dir: Path, env: dict[str, str], *, own_session: bool = False) -> RunningStack:
    """Start the stack, logging to `devstack.log` in its data dir, without waiting for it.

    `own_session`: in a session of its own, so that a Ctrl-C reaches only the caller, which
    then stops the stack in order.
    """
    log_path = data_dir / "devstack.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "rapport.devstack"],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=own_session,
        )
    return RunningStack(
        process=process,
        data_dir=data_dir,
        env=env,
        api_url=f"http://127.0.0.1:{env['RAPPORT_API_PORT']}",
        temporal_address=f"127.0.0.1:{env['RAPPORT_TEMPORAL_PORT']}",
        ui_url=f"http://127.0.0.1:{env['RAPPORT_UI_PORT']}",
        log_path=log_path,
    )


def launch(data_dir: Path, env: dict[str, str]) -> RunningStack:
    """Start the stack and wait until its API answers."""
    running = spawn(data_dir, env)
    wait_healthy(running)
    return running


def start_stack(data_dir: Path, database_url: str) -> RunningStack:
    return launch(data_dir, stack_env(data_dir, database_url))


def wait_healthy(running: RunningStack) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if running.process.poll() is not None:
            raise RuntimeError(f"dev stack exited early:\n{running.log_path.read_text()}")
        try:
            if httpx.get(f"{running.api_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    stop_stack(running)
    raise RuntimeError(f"dev stack not healthy in time:\n{running.log_path.read_text()}")


def terminate(process: subprocess.Popen[bytes], timeout: float) -> int:
    """SIGTERM, then SIGKILL if it has not exited within `timeout` seconds; its exit code."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def stop_stack(running: RunningStack) -> int:
    """SIGTERM, as Ctrl-C or a service manager would; the stack stops its children itself."""
    return terminate(running.process, 60)
