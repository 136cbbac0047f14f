"""The database and the dev stack a benchmark runs against, and how it reports as it goes."""

from __future__ import annotations

import contextlib
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from harness.postgres import LOCAL_SERVER, embedded_server, fresh_database, server_answers
from harness.processes import WorkerProcess, cmdline, descendants
from harness.stack import RunningStack, free_port, spawn, stack_env, stop_stack, wait_healthy
from rapport.devstack.children import port_open

TASK_QUEUE = "rapport-bench"
# How long an extra worker may take to connect and serve its metrics.
WORKER_READY_SECONDS = 60.0


def say(message: str) -> None:
    print(message, flush=True)


@contextlib.contextmanager
def bench_database() -> Iterator[str]:
    """A new database `rapport_bench_<random>`, migrated; dropped afterwards."""
    with contextlib.ExitStack() as stack:
        admin = LOCAL_SERVER
        if not server_answers(LOCAL_SERVER):
            admin = stack.enter_context(embedded_server("rapport-bench-pg-"))
            say(f"no PostgreSQL answers on 127.0.0.1:5432; using an embedded one at {admin}")
        yield stack.enter_context(fresh_database(admin, "rapport_bench_"))


@contextlib.contextmanager
def dev_stack(
    database_url: str,
    page_size: int | None,
    concurrency: int | None,
    settings: dict[str, str] | None = None,
) -> Iterator[RunningStack]:
    """`python -m rapport.devstack` on free ports, stopped with SIGTERM however we leave;
    `settings` as RAPPORT_<NAME> settings (`{"send_window": "10:37-13:37"}`)."""
    data_dir = Path(tempfile.mkdtemp(prefix="rapport-bench-"))
    env = stack_env(data_dir, database_url)
    env.update({f"RAPPORT_{name.upper()}": value for name, value in (settings or {}).items()})
    env["RAPPORT_TASK_QUEUE"] = TASK_QUEUE
    env["RAPPORT_ADMIN_API_KEY"] = secrets.token_urlsafe(32)
    # The tests shrink the fan-out to interrupt it; a benchmark measures the defaults.
    for key, value in (
        ("RAPPORT_FANOUT_PAGE_SIZE", page_size),
        ("RAPPORT_FANOUT_CONCURRENCY", concurrency),
    ):
        env.pop(key, None)
        if value is not None:
            env[key] = str(value)
    # Own session: a Ctrl-C reaches only us, and we stop the stack in order.
    running = spawn(data_dir, env, own_session=True)
    keep = False
    try:
        wait_healthy(running)
        say(f"dev stack up: API {running.api_url}, Temporal {running.temporal_address}")
        yield running
    except Exception:
        keep = True  # for its logs
        raise
    finally:
        say("stopping the dev stack")
        stop_stack(running)
        if keep:
            say(f"kept the stack's data dir and logs: {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


@contextlib.contextmanager
def more_workers(stack: RunningStack, count: int) -> Iterator[list[WorkerProcess]]:
    """`count` more `python worker.py` processes beside the stack's own, on the same task
    queue with the same settings (its environment, read from /proc), stopped afterwards: what
    scaling out on one machine gives (README, "Production Temporal, and more than one machine").

    Each serves its SDK metrics on an address of its own: with the stack worker's, taken, it
    would exit at once and the benchmark would run with one worker while saying two. Each is
    waited for until it serves them, so one that does not run stops the benchmark."""
    [own] = [pid for pid in descendants(stack.process.pid) if b"worker.py" in cmdline(pid)]
    pairs = Path(f"/proc/{own}/environ").read_bytes().split(b"\0")
    env = dict(pair.decode().split("=", 1) for pair in pairs if b"=" in pair)
    ports = [free_port() for _ in range(count)]
    workers = [
        WorkerProcess(
            env | {"RAPPORT_WORKER_METRICS_ADDRESS": f"127.0.0.1:{port}"},
            stack.data_dir / "logs" / f"worker-{number + 2}.log",
        )
        for number, port in enumerate(ports)
    ]
    try:
        for worker, port in zip(workers, ports, strict=True):
            worker.start()
            running(worker, port)
        yield workers
    finally:
        for worker in workers:
            worker.stop()


def running(worker: WorkerProcess, port: int) -> None:
    """Wait until `worker` serves its metrics on `port`; raise, naming its log, if it exits."""
    deadline = time.monotonic() + WORKER_READY_SECONDS
    while not port_open("127.0.0.1", port):
        if not worker.alive() or time.monotonic() > deadline:
            raise RuntimeError(f"an extra worker did not start; see {worker.log}")
        time.sleep(0.2)


def settings_given(pairs: list[str]) -> dict[str, str]:
    """`--setting NAME=VALUE`s as dev_stack's settings; one without `=` is an error."""
    given = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name:
            raise SystemExit(f"--setting {pair!r}: expected NAME=VALUE")
        given[name.strip().lower()] = value
    return given
