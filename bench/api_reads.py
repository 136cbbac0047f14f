"""API read benchmark: p50/p99 of `GET /api/candidates/{id}`, `/plan` and the list at C
concurrent clients with N candidates, next to the raw engine's reads on the same server in the
same run.

    .venv/bin/python -m bench.api_reads --candidates 10000 --clients 32

It starts the dev stack (as bench.fanout does), imports N candidates (bench.enrolment's way)
and lets the task queue settle, until every workflow has published its status, and vacuums the
database (as autovacuum would some time after such an import). Then, C clients
at a time, each figure over --requests requests:

- `GET /api/candidates/{id}` of random candidates (what the workflows published: no worker
  involved), against the engine's own read of one workflow, `describe()`, of random candidate
  workflows;
- `GET /api/candidates/{id}/plan` (the workflow's planner over the state it published: no
  worker involved; `?live=true` would query the workflow), against a query of bare sleeping
  workflows on a worker in this process (the engine's way to ask a workflow anything);
- `GET /api/candidates?limit=50` from random cursors, against a page of 50 of the engine's
  visibility list (`ListWorkflowExecutions`).

Where Debian's `wrk` is on PATH, each of Rapport's three reads is also timed by wrk (harness.wrk:
a C client, C connections, --wrk-seconds each): the API's own figure, without the CPU the 32
Python clients take from the same two cores.

`--api-processes 1,2` times Rapport's reads against one API process (the stack's own), then
against two (a second beside it on a port of its own, on the same database, as one process per
container behind a balancer): the httpx clients send each request to the next process in
turn, and wrk's connections are spread evenly over them (harness.wrk.measure_spread). Figures
of more than one process are named with `@N`.

Prints p50, p99 and requests per second of each (and how many failed: a 5xx, or the busy
server not answering within 30 s; excluded from the percentiles), the ratios of the p99s, and
writes them to bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import random
import signal
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from temporalio.api.workflowservice.v1 import ListWorkflowExecutionsRequest
from temporalio.client import Client

from bench.bare import SleepingWorkflow, bare_queue, start_sleeping
from bench.enrolment import import_all
from bench.measure import (
    RESULTS,
    RPC_TIMEOUT,
    all_published,
    bounded,
    percentile,
    settle,
    vacuum,
    write_results,
)
from bench.stack import TASK_QUEUE, bench_database, dev_stack, say
from harness import wrk
from harness.api_helpers import enrolment
from harness.processes import ApiProcess
from harness.stack import RunningStack

KEEPALIVE_SECONDS = 2.0
BARE_WORKFLOWS = 1000  # enough that queries do not all hit a few cached workflows


async def timed_requests(
    clients: int, requests: int, one: Callable[[], Awaitable[None]]
) -> dict[str, Any]:
    """p50 and p99 in milliseconds, and requests per second, of `requests` calls of `one`,
    `clients` at a time; the failed ones counted, and by what failed (`HTTP 503`, or the
    client's exception: a timeout, a connection the server closed)."""
    latencies: list[float] = []
    failures: Counter[str] = Counter()

    async def call() -> None:
        began = time.monotonic()
        try:
            await one()
        except httpx.HTTPStatusError as error:  # a 5xx
            failures[f"HTTP {error.response.status_code}"] += 1
            return
        except Exception as error:  # the busy server not answering within RPC_TIMEOUT, say
            failures[type(error).__name__] += 1
            return
        latencies.append(time.monotonic() - began)

    started = time.monotonic()
    await bounded(clients, (call() for _ in range(requests)))
    elapsed = time.monotonic() - started
    if not latencies:
        raise RuntimeError(f"all {requests} requests failed: {dict(failures)}")
    return {
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "per_second": round(len(latencies) / elapsed, 1),
        "errors": sum(failures.values()),
        "failures": dict(failures),
    }


def show(name: str, figure: dict[str, Any]) -> str:
    failed = f"  {figure['errors']} failed" if figure["errors"] else ""
    if figure.get("failures"):
        failed += f" {figure['failures']}"
    return (
        f"{name:<28} p50 {figure['p50_ms']:7.1f} ms  p99 {figure['p99_ms']:7.1f} ms"
        f"  {figure['per_second']:6.0f}/s{failed}"
    )


async def rapport_reads(
    urls: list[str],
    key: str,
    ids: list[str],
    clients: int,
    requests: int,
    wrk_seconds: int,
    figures: dict[str, Any],
    tag: str,
) -> None:
    """Rapport's three reads from the API processes at `urls`, by the httpx clients (each
    request to the next process in turn) and by wrk (the connections spread evenly), into
    `figures` under their names with `tag` (`@2`: two API processes)."""
    limits = httpx.Limits(
        max_connections=clients,
        max_keepalive_connections=clients,
        # Shorter than uvicorn's keep-alive (5 s, httpx's default too): a connection the
        # server is closing was now and then taken for a request, which failed (ReadError,
        # RemoteProtocolError) without the API having answered anything.
        keepalive_expiry=KEEPALIVE_SECONDS,
    )
    async with contextlib.AsyncExitStack() as opened:
        headers = {"Authorization": f"Bearer {key}"}
        apis = [
            await opened.enter_async_context(
                httpx.AsyncClient(base_url=url, timeout=120, limits=limits, headers=headers)
            )
            for url in urls
        ]
        turn = itertools.cycle(apis)

        async def get(path: str, params: dict[str, Any] | None = None) -> None:
            response = await next(turn).get(path, params=params)
            response.raise_for_status()

        rapport = {
            "get_candidate": lambda: get(f"/api/candidates/{random.choice(ids)}"),
            "plan": lambda: get(f"/api/candidates/{random.choice(ids)}/plan"),
            "list": lambda: get("/api/candidates", {"limit": 50, "cursor": random.choice(ids)}),
        }
        for name, one in rapport.items():
            say(f"measuring {name}{tag}")
            figures[name + tag] = await timed_requests(clients, requests, one)
            say(show(name + tag, figures[name + tag]))
    if not wrk.available():
        say("wrk is not on PATH (apt-get install wrk): the API's reads timed by httpx only")
        return
    paths = {
        "get_candidate": [f"/api/candidates/{candidate_id}" for candidate_id in ids],
        "plan": [f"/api/candidates/{candidate_id}/plan" for candidate_id in ids],
        "list": [f"/api/candidates?limit=50&cursor={candidate_id}" for candidate_id in ids],
    }
    for name, listed in paths.items():
        say(f"measuring {name}{tag} with wrk")
        figures[f"wrk_{name}{tag}"] = await asyncio.to_thread(
            wrk.measure_spread, urls, key, listed, clients, wrk_seconds
        )
        say(show(f"wrk_{name}{tag}", figures[f"wrk_{name}{tag}"]))


async def benchmark(
    stack: RunningStack,
    database_url: str,
    count: int,
    clients: int,
    requests: int,
    wrk_seconds: int,
    api_processes: list[int],
    results: Path = RESULTS,
) -> None:
    client = await Client.connect(stack.temporal_address)
    key = stack.env["RAPPORT_ADMIN_API_KEY"]
    figures: dict[str, Any] = {"candidates": count, "clients": clients, "requests": requests}
    async with httpx.AsyncClient(
        base_url=stack.api_url,
        timeout=120,
        headers={"Authorization": f"Bearer {key}"},
        limits=httpx.Limits(max_connections=clients, max_keepalive_connections=clients),
    ) as api:
        say(f"importing {count} candidates")
        await import_all(api, [enrolment() for _ in range(count)])
        await settle(client, TASK_QUEUE, 3600)
        await all_published(database_url, count, 3600)
        vacuum(database_url)
        ids: list[str] = []
        cursor: str | None = None
        while True:
            params = {"limit": 200} | ({"cursor": cursor} if cursor else {})
            page = (await api.get("/api/candidates", params=params)).json()
            ids.extend(item["id"] for item in page["items"])
            cursor = page["next_cursor"]
            if not cursor:
                break
        detail = (await api.get(f"/api/candidates/{ids[0]}")).json()
        say(f"{len(ids)} candidates; status_source of the first: {detail['status_source']}")
        workflow_ids = [f"candidate-{candidate_id}" for candidate_id in ids]

        for processes in api_processes:
            # The stack's own API process, and as many more beside it as asked for, each on
            # a port of its own as one per container behind a balancer.
            more = [
                ApiProcess(dict(stack.env), Path(stack.data_dir, f"api-{number}.log"))
                for number in range(2, processes + 1)
            ]
            try:
                for process in more:
                    await asyncio.to_thread(process.start)
                urls = [stack.api_url, *(process.url for process in more)]
                tag = "" if processes == 1 else f"@{processes}"
                await rapport_reads(urls, key, ids, clients, requests, wrk_seconds, figures, tag)
            finally:
                for process in more:
                    process.stop()

    async def describe() -> None:
        await client.get_workflow_handle(random.choice(workflow_ids)).describe(
            rpc_timeout=RPC_TIMEOUT
        )

    async def visibility_page() -> None:
        await client.workflow_service.list_workflow_executions(
            ListWorkflowExecutionsRequest(namespace=client.namespace, page_size=50),
            timeout=RPC_TIMEOUT,
        )

    async with bare_queue(client) as queue:
        await start_sleeping(queue, BARE_WORKFLOWS, clients)
        await settle(client, queue.task_queue, 3600)

        async def query() -> None:
            handle = client.get_workflow_handle_for(SleepingWorkflow.run, random.choice(queue.ids))
            await handle.query(SleepingWorkflow.status, rpc_timeout=RPC_TIMEOUT)

        raw = {"raw_describe": describe, "raw_query": query, "raw_list": visibility_page}
        for name, one in raw.items():
            say(f"measuring {name}")
            figures[name] = await timed_requests(clients, requests, one)
            say(show(name, figures[name]))
    pairs = (("get_candidate", "raw_describe"), ("plan", "raw_query"), ("list", "raw_list"))
    lines = [f"{count} candidates, {clients} clients, {requests} requests each"]
    for read, theirs in pairs:
        lines.append(f"  {show(theirs, figures[theirs])}")
        for processes in api_processes:
            tag = "" if processes == 1 else f"@{processes}"
            for ours in (read + tag, f"wrk_{read}{tag}"):
                if ours not in figures:
                    continue
                ratio = figures[ours]["p99_ms"] / max(figures[theirs]["p99_ms"], 0.1)
                figures[f"ratio_p99_{ours}"] = round(ratio, 2)
                lines += [
                    f"  {show(ours, figures[ours])}",
                    f"    p99 ratio {ours} / {theirs}: {ratio:.2f}",
                ]
    say("\n" + "\n".join(lines))
    say(f"written to {write_results('api_reads', figures, results)}")


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.api_reads", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--candidates", type=int, default=10000, help="candidates (N)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (C)")
    parser.add_argument("--requests", type=int, default=3000, help="requests per figure")
    parser.add_argument(
        "--wrk-seconds", type=int, default=20, help="seconds of each read timed by wrk"
    )
    parser.add_argument(
        "--api-processes",
        default="1",
        help="the reads against each number of API processes in turn, e.g. 1,2: 1 is the"
        " stack's own; more are uvicorn --workers N beside it, sharing one socket",
    )
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the JSON goes")
    args = parser.parse_args()
    api_processes = [int(count) for count in args.api_processes.split(",")]
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        with bench_database() as database_url, dev_stack(database_url, None, None) as stack:
            asyncio.run(
                benchmark(
                    stack,
                    database_url,
                    args.candidates,
                    args.clients,
                    args.requests,
                    args.wrk_seconds,
                    api_processes,
                    args.results,
                )
            )
    except KeyboardInterrupt:
        say("interrupted; cleaned up")
        sys.exit(130)


if __name__ == "__main__":
    main()
