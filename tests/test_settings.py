"""Settings: bad values are refused with the setting's name, and the README lists every one;
what the Temporal client and the worker are given from them (TLS, API key, tuning, metrics)."""

from __future__ import annotations

import importlib.util
import inspect
import socket
from pathlib import Path
from typing import Any, cast

import pytest
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.service import TLSConfig
from temporalio.worker import PollerBehaviorSimpleMaximum

import worker
from rapport.db.session import make_engine, make_session_factory
from rapport.facts import schedule_policy
from rapport.settings import Settings
from rapport.temporal import connect_options, metrics_runtime

README = Path(__file__).resolve().parents[1] / "README.md"


def settings(**values: str) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("digest_time", "5pm"),
        ("digest_time", "17:00:30"),
        ("digest_time", "25:00"),
        ("digest_timezone", "Mars/Olympus"),
        ("digest_timezone", "../../etc/passwd"),
        ("send_window", "17:00-09:00"),
        ("send_days", "mon,funday"),
        ("greeting_quiet_days", "-1"),
        ("greeting_quiet_days", "31"),
        ("mail_from_format", "{company}"),
        ("mail_from_format", "{name} via {name.__class__}"),
        ("mail_from_format", "{name}\r\nBcc: x@example.com"),
    ],
)
def test_a_bad_value_names_its_setting(field: str, value: str) -> None:
    with pytest.raises(ValidationError) as raised:
        settings(**{field: value})
    assert [error["loc"] for error in raised.value.errors()] == [(field,)]


def test_the_digest_time_is_read_to_the_minute() -> None:
    read = settings(digest_time="07:05", digest_timezone="America/Sao_Paulo")
    assert (read.digest_at.hour, read.digest_at.minute) == (7, 5)


def test_new_enrolments_get_spacing_from_the_settings() -> None:
    """Frozen into each new workflow's policy; a policy without them keeps them off."""
    policy = schedule_policy(settings())
    assert (policy.greeting_quiet_days, policy.one_touch_per_day) == (3, True)
    assert schedule_policy(settings(greeting_quiet_days="0")).greeting_quiet_days == 0


def test_the_readme_lists_every_setting() -> None:
    text = README.read_text()
    missing = [
        f"RAPPORT_{name.upper()}"
        for name in Settings.model_fields
        if f"`RAPPORT_{name.upper()}`" not in text
    ]
    assert missing == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("worker_metrics_address", "localhost:9464"),  # the SDK's exporter binds IPs only
        ("worker_metrics_address", "127.0.0.1"),
        ("worker_metrics_address", "127.0.0.1:70000"),
        ("worker_max_concurrent_activities", "0"),
        ("worker_max_concurrent_workflow_tasks", "1"),  # the SDK needs 2 with a sticky cache
        ("worker_max_cached_workflows", "-1"),
        ("worker_workflow_task_polls", "1"),  # the SDK needs 2: the sticky queue and the other
        ("worker_activity_task_polls", "0"),
        ("temporal_tls", "maybe"),
    ],
)
def test_a_bad_scale_out_value_names_its_setting(field: str, value: str) -> None:
    with pytest.raises(ValidationError) as raised:
        settings(**{field: value})
    assert [error["loc"] for error in raised.value.errors()] == [(field,)]


def pem(tmp_path: Path, name: str) -> str:
    path = tmp_path / f"{name}.pem"
    path.write_bytes(f"-----BEGIN {name.upper()}-----\n".encode())
    return str(path)


def test_the_dev_server_is_reached_in_plain_text() -> None:
    options = connect_options(settings(temporal_address="temporal:7233"))
    assert (options["target_host"], options["namespace"]) == ("temporal:7233", "default")
    assert (options["tls"], options["api_key"], options["runtime"]) == (False, None, None)


def test_temporal_cloud_with_an_api_key_is_over_tls() -> None:
    options = connect_options(
        settings(
            temporal_address="rapport.a1b2c.tmprl.cloud:7233",
            temporal_namespace="rapport.a1b2c",
            temporal_api_key="cloud-key",
        )
    )
    assert (options["api_key"], options["tls"]) == ("cloud-key", True)
    assert options["namespace"] == "rapport.a1b2c"


def test_mtls_reads_the_certificates_into_the_tls_config(tmp_path: Path) -> None:
    options = connect_options(
        settings(
            temporal_tls_client_cert=pem(tmp_path, "cert"),
            temporal_tls_client_key=pem(tmp_path, "key"),
            temporal_tls_server_ca=pem(tmp_path, "ca"),
            temporal_tls_server_name="temporal.internal",
        )
    )
    assert options["tls"] == TLSConfig(
        server_root_ca_cert=b"-----BEGIN CA-----\n",
        domain="temporal.internal",
        client_cert=b"-----BEGIN CERT-----\n",
        client_private_key=b"-----BEGIN KEY-----\n",
    )
    assert options["api_key"] is None


def test_tls_on_alone_trusts_the_system_roots_and_off_is_off() -> None:
    assert connect_options(settings(temporal_tls="true"))["tls"] is True
    assert connect_options(settings(temporal_tls="false", temporal_api_key="k"))["tls"] is False
    # Empty, as docker compose passes an unset `${VAR:-}`: unset.
    assert connect_options(settings(temporal_api_key="", temporal_tls_server_ca=""))["tls"] is False


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"temporal_tls_client_cert": "/c.pem"}, "RAPPORT_TEMPORAL_TLS_CLIENT_KEY"),
        ({"temporal_tls_client_key": "/k.pem"}, "RAPPORT_TEMPORAL_TLS_CLIENT_CERT"),
        (
            {"temporal_tls": "off", "temporal_tls_server_ca": "/ca.pem"},
            "RAPPORT_TEMPORAL_TLS_SERVER_CA",
        ),
    ],
)
def test_tls_settings_that_cannot_work_are_refused(values: dict[str, str], named: str) -> None:
    with pytest.raises(ValidationError, match=named):
        settings(**values)


def test_a_missing_certificate_names_its_setting(tmp_path: Path) -> None:
    given = settings(temporal_tls_server_ca=str(tmp_path / "absent.pem"))
    with pytest.raises(RuntimeError, match="RAPPORT_TEMPORAL_TLS_SERVER_CA: cannot read"):
        connect_options(given)


def test_worker_tuning_reaches_the_worker_only_where_set() -> None:
    assert worker.tuning(settings()) == {}
    tuned = settings(
        worker_max_concurrent_activities="7",
        worker_max_concurrent_workflow_tasks="9",
        worker_max_cached_workflows="0",
    )
    assert worker.tuning(tuned) == {
        "max_concurrent_activities": 7,
        "max_concurrent_workflow_tasks": 9,
        "max_cached_workflows": 0,
    }
    polled = settings(worker_workflow_task_polls="20", worker_activity_task_polls="12")
    assert worker.tuning(polled) == {
        "workflow_task_poller_behavior": PollerBehaviorSimpleMaximum(20),
        "activity_task_poller_behavior": PollerBehaviorSimpleMaximum(12),
    }


def test_build_worker_passes_the_tuning_to_the_sdk(monkeypatch: pytest.MonkeyPatch) -> None:
    given: dict[str, Any] = {}
    monkeypatch.setattr(worker, "Worker", lambda client, **options: given.update(options))
    tuned = settings(
        secret_key="s",
        worker_max_concurrent_activities="7",
        worker_max_concurrent_workflow_tasks="9",
        worker_max_cached_workflows="11",
        worker_workflow_task_polls="20",
    )
    worker.build_worker(cast(Client, None), tuned, unconnected_sessions())
    chosen = ("max_concurrent_activities", "max_concurrent_workflow_tasks", "max_cached_workflows")
    assert [given.get(name) for name in chosen] == [7, 9, 11]
    assert given["workflow_task_poller_behavior"] == PollerBehaviorSimpleMaximum(20)
    assert "activity_task_poller_behavior" not in given  # the SDK's own default
    assert given["task_queue"] == "rapport"


def unconnected_sessions() -> async_sessionmaker[AsyncSession]:
    """Sessions on an engine that is never connected: building the worker opens none."""
    return make_session_factory(make_engine("postgresql://127.0.0.1:1/never"))


def test_build_worker_caches_the_workflows_bytecode(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sandbox imports the workflow modules again for every workflow it runs; without
    cached bytecode (PYTHONDONTWRITEBYTECODE) it would compile them every time."""
    sources = [Path(inspect.getfile(workflow)) for workflow in worker.WORKFLOWS]
    cached = [Path(importlib.util.cache_from_source(str(source))) for source in sources]
    for path in cached:
        path.unlink(missing_ok=True)
    monkeypatch.setattr(worker, "Worker", lambda client, **options: None)
    worker.build_worker(cast(Client, None), settings(secret_key="s"), unconnected_sessions())
    assert all(path.is_file() for path in cached), [p for p in cached if not p.is_file()]


def test_the_worker_metrics_runtime_binds_its_address_or_says_which_setting() -> None:
    assert metrics_runtime(None) is None and metrics_runtime("") is None
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        address = f"127.0.0.1:{taken.getsockname()[1]}"
        with pytest.raises(RuntimeError, match=f"RAPPORT_WORKER_METRICS_ADDRESS={address}"):
            metrics_runtime(address)
