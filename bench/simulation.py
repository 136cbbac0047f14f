"""Simulation benchmark: N varied candidates x Y years on the time-skipping server, with the real
worker, PostgreSQL and an SMTP server; touches per candidate-year by relationship, history
events per candidate-year, and every rule-violation count, each of which must be 0.

    .venv/bin/python -m bench.simulation --size 1000 --years 3

The population and what happens to it come from `harness.cohort` (seeded: --seed): cold, warm
and strong relationships of every origin, sixteen zones from UTC-10 to UTC+14 (Chatham's
+13:45 and Kathmandu's +5:45 among them), eight countries' holidays, English and German,
birthdays (some without a year, 15 % none), work anniversaries (30 % none), email with and
without consent, LinkedIn, postal addresses, four owners (employees, HR, the CEO), 10 %
greetings only; about one vacancy a month matched to 2 % of them, webinar invitations,
meetings in person, replies (interested, not now, not interested) and opt-outs (email or
everything). Nobody acts on a draft for a person, so each expires and falls back.

The N candidates run in cohorts of --cohort (100; see COHORT_SIZE for why), each a population
of its own seed. For each cohort it starts a fresh database (as bench.fanout finds one), the
time-skipping test server, an SMTP server in this process and Rapport's worker
(`build_worker`) in this process; writes the candidates and starts each one's workflow as
enrolment does; then moves the server's clock from event to event, applying each as the API's
routes do, to the end of the last year, and reads every touch and draft from PostgreSQL and
every workflow's history (all its runs). A cohort whose server's clock gets stuck is run again
on a new server (counted). Then it checks all cohorts' candidates together, prints the figures
and the violations (`harness.rules`), writes them to bench/results/, and exits 1 if any
violation count is not 0.

The raw engine's figure beside it is the same number of bare workflows sleeping through the
same years with one timer a month, in cohorts of the same sizes, each on a time-skipping server
of its own started the same way (the candidates' workflows would otherwise run on beside
them): how long the server and a worker take to skip the time itself, and its events per
workflow-year.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.candidates.workflow import start_workflow
from bench.bare import MonthlyWorkflow
from bench.idle import postgres_bytes
from bench.measure import RESULTS, bounded, write_results
from bench.stack import bench_database, say
from harness.cohort import OWNERS, SKILLS, Member, Sessions, apply, events, profile
from harness.rows import make_candidate, make_person
from harness.rules import Done, Histories, histories, per_candidate_year, recorded, violations
from harness.smtp import counting_smtp
from harness.timeskip import start_time_skipping
from rapport.codec import new_key
from rapport.db.repositories import articles as article_repo
from rapport.db.session import make_engine, make_session_factory
from rapport.facts import schedule_policy
from rapport.settings import Settings
from worker import build_worker

TASK_QUEUE = "rapport-simulation"
STARTS_IN_FLIGHT = 16
ARTICLES_PER_SKILL = 12
MAX_STEP = timedelta(days=7)
# Candidates per cohort, each on a time-skipping server of its own. With a thousand on one,
# the test server (a single Java process) answered some request with more than the 16 KiB of
# headers its HTTP/2 peer accepts ("HeaderListSizeException"), after which its clock never
# moved again: sleeps timed out with nothing running (twice, 2026-12-06, at months 1 and 3).
# A hundred per server ran through three years.
COHORT_SIZE = 100
COHORT_SEED_STEP = 7919
COHORT_ATTEMPTS = 3
# Consecutive failed sleeps after which the server is taken to be stuck.
SLEEPS_FAILED_AT_MOST = 20


async def library(sessions: Sessions) -> None:
    """Articles for every skill (check-ins need one that fits), and the owners' names."""
    async with sessions.begin() as session:
        for skill in SKILLS:
            for number in range(ARTICLES_PER_SKILL):
                await article_repo.add_article(
                    session, title=f"On {skill}, part {number}", summary=None, tags=[skill],
                    url=f"https://blog.example.com/{skill}/{number}",
                )  # fmt: skip
    for address, name, role in OWNERS:
        await make_person(sessions, address, name, role=role)


async def enrol(
    env: WorkflowEnvironment, sessions: Sessions, settings: Settings, size: int, seed: int
) -> list[Member]:
    """Write `size` candidates and start their workflows as enrolment does."""
    rng = random.Random(seed)
    today = (await env.get_current_time()).date()
    members: list[Member] = []
    for number in range(size):
        values = profile(rng, number, today)
        candidate, _ = await make_candidate(sessions, **values)
        members.append(
            Member(candidate, str(values["rapport"]), str(values["relationship_origin"]))
        )
    await bounded(
        STARTS_IN_FLIGHT, (start_workflow(env.client, settings, m.candidate) for m in members)
    )
    return members


async def simulate(
    env: WorkflowEnvironment, sessions: Sessions, members: list[Member], years: int, seed: int
) -> int:
    """Apply every event at its moment, then run to the end of the last year; events applied."""
    start = await env.get_current_time()
    end = start + timedelta(days=365 * years)
    happening = events(random.Random(seed + 1), len(members), start, years)
    month = 0
    for event in happening:
        await advance_to(env, event.at)
        now = await env.get_current_time()
        await apply(sessions, env.client, members, event, now)
        if (now - start).days // 30 > month:
            month = (now - start).days // 30
            say(f"  month {month}: {now:%Y-%m-%d}")
    await advance_to(env, end)
    return len(happening)


async def advance_to(env: WorkflowEnvironment, moment: datetime) -> None:
    """Move the server's clock to `moment`, a week at most at a time: one long sleep can
    outlast its RPC on a busy machine, and a failed one is asked again from where it got."""
    failed = 0
    while (ahead := moment - await env.get_current_time()) > timedelta(0):
        try:
            await env.sleep(min(ahead, MAX_STEP))
            failed = 0
        except RPCError as err:
            failed += 1
            if failed >= SLEEPS_FAILED_AT_MOST:
                raise ClockStuck(f"the server's clock is stuck: {failed} sleeps failed") from err
            say(f"  the server's sleep failed ({err}); again from where it got")


async def bare_years(env: WorkflowEnvironment, count: int, years: int) -> tuple[float, Histories]:
    """`count` bare workflows through the same years; seconds taken and their histories."""
    task_queue = f"bench-monthly-{uuid.uuid4().hex[:8]}"
    ids = [f"{task_queue}-{number}" for number in range(count)]
    async with Worker(env.client, task_queue=task_queue, workflows=[MonthlyWorkflow]):
        began = time.monotonic()
        await bounded(
            STARTS_IN_FLIGHT,
            (
                env.client.start_workflow(MonthlyWorkflow.run, years, id=wid, task_queue=task_queue)
                for wid in ids
            ),
        )
        await advance_to(env, await env.get_current_time() + timedelta(days=365 * years + 31))
        took = time.monotonic() - began
    found = await histories(env.client, ids)
    if found.unfinished:
        raise RuntimeError(f"{len(found.unfinished)} bare workflows had not completed")
    return took, found


def worker_settings(smtp_port: int) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        mail_from="Rapport <rapport@simulation.example.com>",
        secret_key=secrets.token_hex(32),
        task_queue=TASK_QUEUE,
    )


@dataclass
class Cohort:
    """One cohort's run: its members, what was done to them, their histories and timings."""

    members: list[Member]
    done: list[Done]
    found: Histories
    applied: int
    enrol_seconds: float
    simulate_seconds: float
    emails: int
    stored: dict[str, int]


class ClockStuck(RuntimeError):
    """The time-skipping server stopped moving its clock (see SLEEPS_FAILED_AT_MOST)."""


async def cohort(size: int, years: int, seed: int) -> Cohort:
    """`size` candidates through `years` on a time-skipping server, database and SMTP server of
    their own."""
    with bench_database() as database_url, counting_smtp() as (smtp, smtp_port):
        engine = make_engine(database_url)
        sessions = make_session_factory(engine)
        env = await start_time_skipping(new_key())
        try:
            settings = worker_settings(smtp_port)
            await library(sessions)
            worker = build_worker(env.client, settings, sessions, task_queue=TASK_QUEUE)
            async with worker:
                began = time.monotonic()
                members = await enrol(env, sessions, settings, size, seed)
                enrolled = time.monotonic() - began
                say(f"{size} candidates enrolled in {enrolled:.0f} s; simulating {years} years")
                applied = await simulate(env, sessions, members, years, seed)
                simulated = time.monotonic() - began - enrolled
                say(f"simulated in {simulated:.0f} s ({applied} events); reading histories")
                found = await histories(env.client, [m.candidate.workflow_id for m in members])
            done = await recorded(sessions, found.sends)
            stored = postgres_bytes(database_url)
        finally:
            await env.shutdown()
            await engine.dispose()
    return Cohort(members, done, found, applied, enrolled, simulated, smtp.count(), stored)


async def benchmark(size: int, years: int, seed: int, cohort_size: int) -> dict[str, Any]:
    figures: dict[str, Any] = {
        "candidates": size, "years": years, "seed": seed, "cohort_size": cohort_size,
    }  # fmt: skip
    cohorts: list[Cohort] = []
    retried = 0
    sizes = [min(cohort_size, size - start) for start in range(0, size, cohort_size)]
    for number, count in enumerate(sizes):
        # Each cohort a population of its own (its own seed), on a server of its own.
        cohort_seed = seed + COHORT_SEED_STEP * number
        say(f"cohort {number + 1} of {len(sizes)}: {count} candidates (seed {cohort_seed})")
        for attempt in range(1, COHORT_ATTEMPTS + 1):
            try:
                cohorts.append(await cohort(count, years, cohort_seed))
                break
            except ClockStuck as stuck:
                if attempt == COHORT_ATTEMPTS:
                    raise
                retried += 1
                say(f"  {stuck}: the cohort again, on a new server")
    members = [member for run in cohorts for member in run.members]
    done = [item for run in cohorts for item in run.done]
    events_total = sum(sum(run.found.events.values()) for run in cohorts)
    broken = violations(members, done, schedule_policy(worker_settings(0)))
    simulated = sum(run.simulate_seconds for run in cohorts)
    # The same number of bare workflows, in cohorts of the same sizes, each on a server of its
    # own started the same way (the candidates' workflows would otherwise run on beside them).
    bare_seconds, bare_events = 0.0, 0
    for count in sizes:
        say(f"bare: {count} workflows sleeping {years} years, one timer a month")
        bare_env = await start_time_skipping(new_key())
        try:
            took, bare = await bare_years(bare_env, count, years)
        finally:
            await bare_env.shutdown()
        bare_seconds += took
        bare_events += sum(bare.events.values())
    candidate_years = size * years
    figures.update(
        cohorts_retried=retried,
        enrol_seconds=round(sum(run.enrol_seconds for run in cohorts), 1),
        simulate_seconds=round(simulated, 1),
        events_applied=sum(run.applied for run in cohorts),
        emails_received=sum(run.emails for run in cohorts),
        touches_per_candidate_year=per_candidate_year(members, done, years),
        history_events_per_candidate_year=round(events_total / candidate_years, 1),
        # Over all cohorts' databases (an empty schema is about 8.5 MB of `database` each).
        postgres_bytes_after={
            table: sum(run.stored[table] for run in cohorts) for table in cohorts[0].stored
        },
        bare_seconds=round(bare_seconds, 1),
        bare_history_events_per_workflow_year=round(bare_events / candidate_years, 1),
        ratio_seconds=round(bare_seconds / max(simulated, 0.1), 3),
        violations={rule: len(found_) for rule, found_ in broken.items()},
        examples={rule: found_[:5] for rule, found_ in broken.items() if found_},
    )
    return figures


def report(figures: dict[str, Any]) -> str:
    size, years = figures["candidates"], figures["years"]
    lines = [
        f"{size} candidates x {years} years on the time-skipping server (seed {figures['seed']})",
        f"  enrolled in {figures['enrol_seconds']:.0f} s, simulated in"
        f" {figures['simulate_seconds']:.0f} s ({figures['events_applied']} events applied,"
        f" {figures['emails_received']} emails received)",
        f"  bare: {size} workflows x {years} years of monthly timers in"
        f" {figures['bare_seconds']:.0f} s (ratio bare / Rapport {figures['ratio_seconds']:.3f})",
        f"  history events per candidate-year: {figures['history_events_per_candidate_year']}"
        f" (bare, monthly timer: {figures['bare_history_events_per_workflow_year']})",
        "  touches per candidate-year by relationship (rapport at enrolment):",
    ]
    for rapport, kinds in figures["touches_per_candidate_year"].items():
        shown = ", ".join(f"{kind} {value}" for kind, value in kinds.items())
        lines.append(f"    {rapport:<7} {shown}")
    lines.append("  rule violations (each must be 0):")
    for rule, count in figures["violations"].items():
        lines.append(f"    {count:>5}  {rule}")
        examples = figures.get("examples", {}).get(rule, [])
        lines += [f"             e.g. {example}" for example in examples]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.simulation", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--size", type=int, default=1000, help="candidates (N)")
    parser.add_argument("--years", type=int, default=3, help="simulated years (Y)")
    parser.add_argument("--seed", type=int, default=13, help="the population's seed")
    parser.add_argument(
        "--cohort", type=int, default=COHORT_SIZE, help="candidates per time-skipping server"
    )
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the JSON goes")
    args = parser.parse_args()
    began = time.monotonic()
    figures = asyncio.run(benchmark(args.size, args.years, args.seed, args.cohort))
    figures["wall_seconds"] = round(time.monotonic() - began, 1)
    say("\n" + report(figures))
    say(f"  whole run {figures['wall_seconds']:.0f} s")
    say(f"written to {write_results('simulation', figures, args.results)}")
    if any(figures["violations"].values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
