"""The dev stack's own parts that the end-to-end tests do not reach: the embedded PostgreSQL."""

from __future__ import annotations

import tempfile
from pathlib import Path

import psycopg

from rapport.devstack import DevStack
from rapport.search_attributes import REGISTRY
from rapport.settings import Settings


def test_embedded_postgres_is_created_migrated_and_reused() -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="rapport-devstack-"))
    settings = Settings(_env_file=None, data_dir=data_dir)  # type: ignore[call-arg]

    first = DevStack(settings)
    url = first.start_postgres()
    try:
        from rapport.db import migrate

        migrate.upgrade(url)
        plain = url.replace("postgresql+psycopg://", "postgresql://", 1)
        with psycopg.connect(plain) as connection:
            connection.execute(
                "insert into candidates (id, external_id, full_name, timezone, country, skills,"
                " interests, consent, opt_outs, relationship_origin, rapport, owner_role, stage,"
                " workflow_id) values (gen_random_uuid(), 'keep-me', 'K', 'UTC', 'DE', '{}', '{}',"
                " '{}', '{}', 'referral', 'warm', 'hr', 'nurturing', 'candidate-x')"
            )
    finally:
        first.stop_postgres()

    second = DevStack(settings)
    again = second.start_postgres()
    try:
        with psycopg.connect(again.replace("postgresql+psycopg://", "postgresql://", 1)) as conn:
            row = conn.execute("select full_name from candidates where external_id = 'keep-me'")
            assert row.fetchone() == ("K",)
    finally:
        second.stop_postgres()


def test_temporal_dev_server_is_file_backed_with_search_attributes() -> None:
    settings = Settings(_env_file=None, data_dir=Path("/tmp/x"), temporal_port=7999)  # type: ignore[call-arg]
    command = DevStack(settings).temporal_command()
    assert command[command.index("--db-filename") + 1] == "/tmp/x/temporal.db"
    assert command[command.index("--port") + 1] == "7999"
    registered = {command[i + 1] for i, part in enumerate(command) if part == "--search-attribute"}
    assert registered == {f"{name}={kind}" for name, kind in REGISTRY.items()}
    codec = command[command.index("--ui-codec-endpoint") + 1]
    assert codec == f"http://127.0.0.1:{settings.api_port}/codec"


def test_make_dev_serves_and_prints_the_metrics(tmp_path: Path) -> None:
    stack = DevStack(Settings(_env_file=None, data_dir=tmp_path, api_port=8123))  # type: ignore[call-arg]
    assert stack.child_env()["RAPPORT_WORKER_METRICS_ADDRESS"] == "127.0.0.1:9464"
    banner = stack.banner()
    assert "http://127.0.0.1:8123/metrics" in banner
    assert "http://127.0.0.1:9464/metrics" in banner
    assert "ops/grafana/rapport.json" in banner
    off = DevStack(Settings(_env_file=None, data_dir=tmp_path, worker_metrics_address=""))  # type: ignore[call-arg]
    assert off.child_env()["RAPPORT_WORKER_METRICS_ADDRESS"] == ""
    assert "9464" not in off.banner()
