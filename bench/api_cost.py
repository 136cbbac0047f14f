"""API read cost: the API process's own CPU time per request, beside p50/p99, for `GET
/api/candidates/{id}`, the list and `/plan`, at C concurrent clients over N candidates.

    .venv/bin/python -m bench.api_cost --candidates 10000 --clients 32
    .venv/bin/python -m bench.api_cost --profile /tmp/reads   # py-spy, when installed

Latency on a shared machine measures the other sessions as much as Rapport; the CPU seconds
the API process itself spent per request (from /proc) hardly move with the load, so a change
is compared by those. To get there fast, the candidates are written straight to PostgreSQL
with a published status each (`candidate_status`, as their workflows would store it), and no
workflows run: a read never wakes one anyway, and `/plan` then takes the fallback it takes
when Temporal does not answer (the stored data's own plan), so its figure is the API's cost
of a plan without the worker's. bench.api_reads measures the whole path, workflows and all.

`--profile PREFIX` records each figure's stacks with `py-spy record -f raw` (`pip install
py-spy` anywhere on PATH; not a dependency) into PREFIX-<figure>.txt.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import signal
import subprocess
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.api_reads import show, timed_requests
from bench.measure import write_results
from bench.stack import bench_database, dev_stack, say
from harness.processes import cmdline, descendants
from harness.stack import RunningStack
from rapport.db.repositories import candidates as candidate_repo
from rapport.db.repositories import statuses as status_repo
from rapport.db.session import make_engine, make_session_factory

BATCH = 1000
CLOCK_TICKS = 100  # os.sysconf("SC_CLK_TCK") on Linux


async def store_population(database_url: str, count: int) -> list[str]:
    """`count` candidates and their published status, BATCH to a transaction; their ids."""
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    ids: list[str] = []
    due = datetime.now(UTC) + timedelta(days=30)
    try:
        for start in range(0, count, BATCH):
            batch = [uuid.uuid4() for _ in range(min(BATCH, count - start))]
            async with sessions.begin() as session:
                for number, candidate_id in enumerate(batch, start):
                    candidate_repo.add_candidate(session, **row(candidate_id, number))
                await session.flush()
                for candidate_id in batch:
                    await status_repo.store_status(
                        session, candidate_id, stage="nurturing", occasion="birthday",
                        channel="email", sender_role="employee", due_at=due,
                        published_at=datetime.now(UTC),
                    )  # fmt: skip
            ids += [str(candidate_id) for candidate_id in batch]
    finally:
        await engine.dispose()
    return ids


def row(candidate_id: uuid.UUID, number: int) -> dict[str, Any]:
    return {
        "id": candidate_id, "workflow_id": f"candidate-{candidate_id}",
        "external_id": f"cost-{candidate_id.hex[:12]}", "full_name": f"Person {number} Example",
        "email": f"p{number}.{candidate_id.hex[:6]}@example.com", "timezone": "Europe/Berlin",
        "country": "DE", "birthday_year": 1990, "birthday_month": 1 + number % 12,
        "birthday_day": 1 + number % 28, "current_employer": "Initech",
        "current_title": "Engineer", "job_started_on": date(2019, 5, 3),
        "skills": ["python", "spark"], "interests": [], "consent": {"email": True},
        "opt_outs": [], "relationship_origin": "former_colleague", "rapport": "warm",
        "owner": f"owner{number % 8}@example.com", "owner_role": "employee",
        "stage": "nurturing",
    }  # fmt: skip


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of the process so far (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def api_pid(stack: RunningStack) -> int:
    return next(pid for pid in descendants(stack.process.pid) if b"uvicorn" in cmdline(pid))


async def benchmark(
    stack: RunningStack, database_url: str, count: int, clients: int, requests: int,
    profile: str | None,
) -> None:  # fmt: skip
    say(f"storing {count} candidates")
    ids = await store_population(database_url, count)
    pid = api_pid(stack)
    figures: dict[str, Any] = {"candidates": count, "clients": clients, "requests": requests}
    headers = {"Authorization": f"Bearer {stack.env['RAPPORT_ADMIN_API_KEY']}"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=stack.api_url, timeout=120, headers=headers, limits=limits
    ) as api:

        async def get(path: str, params: dict[str, Any] | None = None) -> None:
            (await api.get(path, params=params)).raise_for_status()

        reads = {
            "get_candidate": lambda: get(f"/api/candidates/{random.choice(ids)}"),
            "list": lambda: get("/api/candidates", {"limit": 50, "cursor": random.choice(ids)}),
            "plan": lambda: get(f"/api/candidates/{random.choice(ids)}/plan"),
        }
        await timed_requests(8, 200, reads["get_candidate"])  # warm: pool, caches, imports
        for name, one in reads.items():
            spy = spying(pid, f"{profile}-{name}.txt") if profile else None
            began = cpu_seconds(pid)
            figures[name] = await timed_requests(clients, requests, one)
            spent = cpu_seconds(pid) - began
            if spy is not None:
                spy.send_signal(signal.SIGINT)
                spy.wait()
            figures[name]["api_cpu_ms_per_request"] = round(1000 * spent / requests, 2)
            say(f"{show(name, figures[name])}  API CPU {1000 * spent / requests:.1f} ms/request")
    say(f"written to {write_results('api_cost', figures)}")


def spying(pid: int, out: str) -> subprocess.Popen[bytes]:
    binary = shutil.which("py-spy")
    if binary is None:
        raise SystemExit("--profile needs py-spy on PATH (pip install py-spy)")
    command = [binary, "record", "-p", str(pid), "-f", "raw", "-o", out, "-r", "100"]
    return subprocess.Popen([*command, "--nonblocking"], stdout=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.api_cost", description=__doc__)
    parser.add_argument("--candidates", type=int, default=10000, help="candidates (N)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (C)")
    parser.add_argument("--requests", type=int, default=1000, help="requests per figure")
    parser.add_argument("--profile", help="py-spy's stacks to PREFIX-<figure>.txt")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with bench_database() as database_url, dev_stack(database_url, None, None) as stack:
        asyncio.run(
            benchmark(stack, database_url, args.candidates, args.clients, args.requests,
                      args.profile)
        )  # fmt: skip


if __name__ == "__main__":
    main()
