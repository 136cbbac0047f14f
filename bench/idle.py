"""Idle-population benchmark: what N sleeping candidates cost while nothing is due — worker
memory (at three sizes, to show the slope), idle CPU, Temporal's and PostgreSQL's bytes per
candidate — next to as many bare sleeping workflows on the same server in the same run.

    .venv/bin/python -m bench.idle --size 10000

It starts the dev stack (as bench.fanout does: Temporal's dev server on a SQLite file, the
worker, the API, PostgreSQL) and measures, with the stack settled and nothing due:

1. empty: the worker's RSS (psutil), the size of Temporal's SQLite files (`temporal.db` and
   its `-wal`/`-shm`), `pg_database_size` and the candidates' tables' `pg_total_relation_size`;
2. after importing N/4, N/2 and N candidates (bench.enrolment's way; greetings months away):
   the same, so the worker's memory per candidate is the slope between the steps, and the
   database bytes per candidate the growth over N;
3. idle CPU of the worker, the Temporal server and the API over --idle-window seconds;
4. raw: N bare workflows that sleep for a year (bench.bare), on a task queue of their own with a
   worker in this process: the growth of Temporal's files per workflow, this process's RSS
   growth, its CPU over the same window.

History events per candidate-year come from the 3-year simulation (bench.simulation): the
newest bench/results/simulation-*.json is quoted when there is one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import psutil
import psycopg
from temporalio.client import Client

from bench.bare import bare_queue, start_sleeping
from bench.enrolment import import_patiently
from bench.measure import RESULTS, settle, write_results
from bench.stack import TASK_QUEUE, bench_database, dev_stack, say
from harness.api_helpers import enrolment
from harness.stack import RunningStack

TABLES = ("candidates", "candidate_status", "touches", "tasks", "interactions")
QUIET_SECONDS = 5.0  # after settling, before reading memory: let the worker's caches rest
MB = 1024 * 1024


def child(stack: RunningStack, marker: str) -> psutil.Process:
    """The stack's child process whose command line contains `marker`."""
    for process in psutil.Process(stack.process.pid).children(recursive=True):
        if marker in " ".join(process.cmdline()):
            return process
    raise RuntimeError(f"no {marker!r} process under the dev stack")


def temporal_bytes(stack: RunningStack) -> int:
    return sum(path.stat().st_size for path in stack.data_dir.glob("temporal.db*"))


def postgres_bytes(database_url: str) -> dict[str, int]:
    url = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(url) as connection:
        sizes = {"database": connection.execute("select pg_database_size(current_database())")}
        found = {name: int(row.fetchone()[0]) for name, row in sizes.items()}  # type: ignore[index]
        for table in TABLES:
            row = connection.execute("select pg_total_relation_size(%s::regclass)", (table,))
            found[table] = int(row.fetchone()[0])  # type: ignore[index]
    return found


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def snapshot(stack: RunningStack, database_url: str, worker: psutil.Process) -> dict[str, Any]:
    return {
        "worker_rss_mb": round(worker.memory_info().rss / MB, 1),
        "temporal_bytes": temporal_bytes(stack),
        "postgres_bytes": postgres_bytes(database_url),
    }


async def idle_cpu(processes: dict[str, psutil.Process], window: float) -> dict[str, float]:
    """Each process's CPU over `window` seconds, in % of one core."""
    before = {name: cpu_seconds(process) for name, process in processes.items()}
    await asyncio.sleep(window)
    return {
        name: round(100 * (cpu_seconds(process) - before[name]) / window, 2)
        for name, process in processes.items()
    }


def per_candidate(before: dict[str, Any], after: dict[str, Any], count: int) -> dict[str, float]:
    postgres = {
        f"postgres_{name}_bytes": round((after["postgres_bytes"][name] - size) / count)
        for name, size in before["postgres_bytes"].items()
    }
    return {
        "temporal_bytes": round((after["temporal_bytes"] - before["temporal_bytes"]) / count),
        **postgres,
    }


def simulated_history() -> dict[str, Any] | None:
    found = sorted(RESULTS.glob("simulation-*.json"))
    if not found:
        return None
    figures = json.loads(found[-1].read_text())
    return {
        "from": found[-1].name,
        "history_events_per_candidate_year": figures["history_events_per_candidate_year"],
        "bare_history_events_per_workflow_year": figures["bare_history_events_per_workflow_year"],
    }


async def benchmark(
    stack: RunningStack, database_url: str, count: int, window: float
) -> dict[str, Any]:
    client = await Client.connect(stack.temporal_address)
    key = stack.env["RAPPORT_ADMIN_API_KEY"]
    worker = child(stack, "worker.py")
    processes = {
        "worker": worker,
        "temporal": child(stack, "start-dev"),
        "api": child(stack, "uvicorn"),
    }
    await settle(client, TASK_QUEUE, 600)
    await asyncio.sleep(QUIET_SECONDS)
    empty = snapshot(stack, database_url, worker)
    say(
        f"empty: worker {empty['worker_rss_mb']} MB, Temporal {empty['temporal_bytes'] / MB:.1f} MB"
    )
    steps: list[dict[str, Any]] = []
    async with httpx.AsyncClient(
        base_url=stack.api_url, timeout=600, headers={"Authorization": f"Bearer {key}"}
    ) as api:
        enrolled = 0
        for target in (count // 4, count // 2, count):
            say(f"importing {target - enrolled} more candidates (to {target})")
            await import_patiently(api, [enrolment() for _ in range(target - enrolled)])
            enrolled = target
            await settle(client, TASK_QUEUE, 3600)
            await asyncio.sleep(QUIET_SECONDS)
            step = {"candidates": target, **snapshot(stack, database_url, worker)}
            steps.append(step)
            say(f"  {target}: worker {step['worker_rss_mb']} MB,"
                f" Temporal {step['temporal_bytes'] / MB:.1f} MB")  # fmt: skip
    say(f"idle CPU over {window:.0f} s")
    cpu = await idle_cpu(processes, window)
    first, last = steps[0], steps[-1]
    slope = (last["worker_rss_mb"] - first["worker_rss_mb"]) / max(
        1, last["candidates"] - first["candidates"]
    )

    say(f"raw: {count} bare sleeping workflows on the same server")
    me = psutil.Process(os.getpid())
    bare_before = {"rss_mb": me.memory_info().rss / MB, "temporal_bytes": temporal_bytes(stack)}
    async with bare_queue(client) as queue:
        await start_sleeping(queue, count, 32)
        await settle(client, queue.task_queue, 3600)
        await asyncio.sleep(QUIET_SECONDS)
        bare_rss = me.memory_info().rss / MB
        bare_temporal = temporal_bytes(stack)
        bare_cpu = await idle_cpu({"bench_process": me, "temporal": processes["temporal"]}, window)
    return {
        "candidates": count,
        "empty": empty,
        "steps": steps,
        "worker_rss_kb_per_candidate": round(slope * 1024, 2),
        "per_candidate": per_candidate(empty, last, count),
        "idle_cpu_percent": cpu,
        "idle_window_seconds": window,
        "bare": {
            "temporal_bytes_per_workflow": round(
                (bare_temporal - bare_before["temporal_bytes"]) / count
            ),
            "process_rss_growth_mb": round(bare_rss - bare_before["rss_mb"], 1),
            "idle_cpu_percent": bare_cpu,
        },
        "simulation": simulated_history(),
    }


def report(figures: dict[str, Any]) -> str:
    count, empty, bare = figures["candidates"], figures["empty"], figures["bare"]
    lines = [f"idle population of {count} sleeping candidates"]
    lines.append(f"  worker RSS: empty {empty['worker_rss_mb']} MB")
    for step in figures["steps"]:
        lines.append(f"    {step['candidates']:>7} candidates: {step['worker_rss_mb']} MB")
    lines.append(
        f"    slope {figures['worker_rss_kb_per_candidate']} KB per candidate"
        f" between {figures['steps'][0]['candidates']} and {count}"
    )
    each = figures["per_candidate"]
    lines.append(
        f"  Temporal (SQLite) {each['temporal_bytes']} B per candidate;"
        f" bare {bare['temporal_bytes_per_workflow']} B per workflow"
        f" (ratio {each['temporal_bytes'] / max(bare['temporal_bytes_per_workflow'], 1):.1f})"
    )
    tables = ", ".join(
        f"{name.removeprefix('postgres_').removesuffix('_bytes')} {value}"
        for name, value in each.items()
        if name.startswith("postgres_") and name != "postgres_database_bytes"
    )
    lines.append(f"  PostgreSQL {each['postgres_database_bytes']} B per candidate ({tables})")
    cpu = ", ".join(f"{name} {value}%" for name, value in figures["idle_cpu_percent"].items())
    lines.append(f"  idle CPU over {figures['idle_window_seconds']:.0f} s (of one core): {cpu}")
    bare_cpu = ", ".join(f"{name} {value}%" for name, value in bare["idle_cpu_percent"].items())
    lines.append(
        f"  bare: worker process RSS +{bare['process_rss_growth_mb']} MB; idle CPU {bare_cpu}"
    )
    simulation = figures["simulation"]
    if simulation:
        lines.append(
            f"  history events per candidate-year {simulation['history_events_per_candidate_year']}"
            f" (bare monthly timer {simulation['bare_history_events_per_workflow_year']};"
            f" {simulation['from']})"
        )
    else:
        lines.append("  history events per candidate-year: run bench.simulation")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.idle", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--size", "--candidates", type=int, default=10000, help="candidates (N)")
    parser.add_argument("--idle-window", type=float, default=60.0, help="seconds of idle CPU")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the JSON goes")
    args = parser.parse_args()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    began = time.monotonic()
    try:
        with bench_database() as database_url, dev_stack(database_url, None, None) as stack:
            figures = asyncio.run(benchmark(stack, database_url, args.size, args.idle_window))
    except KeyboardInterrupt:
        say("interrupted; cleaned up")
        sys.exit(130)
    figures["wall_seconds"] = round(time.monotonic() - began, 1)
    say("\n" + report(figures))
    say(f"written to {write_results('idle', figures, args.results)}")


if __name__ == "__main__":
    main()
