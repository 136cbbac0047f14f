"""Outcomes benchmark: how long the workspace's Outcomes figures take with N candidates (by
default 10,000) and their history, straight from PostgreSQL (no stack: the page is these
queries and its drawing).

    .venv/bin/python -m bench.outcomes --candidates 10000 --runs 40

Writes N candidates (a tenth of them one owner's, a hundredth hired) with 8 touches each, one
in 40 days, over the past year (one in six skipped), a reply for one in five, and a published
next touch each, all in one statement per table (`generate_series`). Then times, over --runs
runs each, the figures of the last 90 days for HR (everyone) and for the owner, as
`api.app.outcomes.gather` reads them, and drawing the page's charts (uncached: the first view
of those figures); prints p50 and p95 and writes them to bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import UTC, datetime, timedelta

import psycopg

from api.app import charts, outcome_pages
from api.app import outcomes as outcome_service
from bench.measure import percentile, write_results
from bench.stack import bench_database, say
from rapport.db.session import make_engine, make_session_factory

OWNER = "bench.owner@example.com"
SEED = [
    """insert into candidates (id, external_id, full_name, timezone, country, skills, interests,
         consent, opt_outs, relationship_origin, rapport, owner, owner_role, stage, workflow_id,
         email_status, updated_at)
       select gen_random_uuid(), 'bench-' || n, 'Candidate ' || n, 'Europe/Berlin', 'DE',
         array['python'], array[]::varchar[], '{"email": true}', array[]::varchar[],
         (array['in_person_event','former_colleague','referral','linkedin_connection',
                'cold_outreach'])[1 + n %% 5], 'warm',
         case when n %% 10 = 0 then %(owner)s else 'owner' || (n %% 50) || '@example.com' end,
         'employee', case when n %% 100 = 0 then 'hired' else 'nurturing' end, 'candidate-' || n,
         'deliverable', now() - (n %% 90) * interval '1 day'
       from generate_series(1, %(n)s) as n""",
    """insert into touches (id, candidate_id, idempotency_key, occasion, channel, sender_role,
         status, reason, due_at, sent_at)
       select gen_random_uuid(), c.id, c.id || ':' || k, (array['birthday','work_anniversary',
         'check_in','vacancy','invitation','event_follow_up'])[1 + k %% 6],
         (array['email','linkedin_message','linkedin_post','handwritten_note'])[1 + k %% 4],
         (array['hr','employee','marketing','ceo'])[1 + k %% 4],
         case when k %% 6 = 0 then 'skipped' else 'sent' end,
         case when k %% 6 = 0 then 'contact budget: birthday went out on 2026-01-02' end,
         now() - ((k - 1) * 40 + abs(hashtext(c.id::text)) %% 40) * interval '1 day',
         case when k %% 6 = 0 then null
              else now() - ((k - 1) * 40 + abs(hashtext(c.id::text)) %% 40) * interval '1 day' end
       from candidates c, generate_series(1, 8) as k""",
    """insert into interactions (id, candidate_id, type, sentiment, channel, created_at)
       select gen_random_uuid(), c.id, 'replied',
         (array['interested','not_now','not_interested','unclassified'])[1 + n %% 4], null,
         now() - (n %% 80) * interval '1 day'
       from (select id, row_number() over () as n from candidates) c where n %% 5 = 0""",
    """insert into candidate_status (candidate_id, stage, occasion, channel, sender_role,
         due_at, assisted, skip, published_at)
       select id, stage, 'birthday', 'email', 'hr',
         now() + (abs(hashtext(id::text)) %% 120) * interval '1 day', false, false, now()
       from candidates""",
]


def seed(database_url: str, candidates: int) -> None:
    plain = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(plain) as connection:
        for statement in SEED:
            connection.execute(statement, {"n": candidates, "owner": OWNER})
        connection.execute("analyze")


async def measure(database_url: str, runs: int) -> dict[str, dict[str, float]]:
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    now = datetime.now(UTC)
    first, last = (now - timedelta(days=90)).date(), now.date()
    figures: dict[str, dict[str, float]] = {}
    for name, owner in (("everyone", None), ("one owner", OWNER)):
        queries, drawing = [], []
        for _ in range(runs):
            began = time.perf_counter()
            async with sessions() as session:
                found = await outcome_service.gather(session, first, last, owner, now)
            queries.append((time.perf_counter() - began) * 1000)
            charts._drawn.cache_clear()  # the first drawing of these figures: the worst case
            began = time.perf_counter()
            outcome_pages.dimension_charts(found)
            outcome_pages.other_charts(found)
            drawing.append((time.perf_counter() - began) * 1000)
        figures[name] = {
            "queries_p50_ms": percentile(queries, 0.5),
            "queries_p95_ms": percentile(queries, 0.95),
            "charts_p50_ms": percentile(drawing, 0.5),
            "charts_p95_ms": percentile(drawing, 0.95),
        }
        say(f"{name}: " + ", ".join(f"{k} {v:.1f}" for k, v in figures[name].items()))
    await engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    with bench_database() as database_url:
        began = time.monotonic()
        seed(database_url, args.candidates)
        say(
            f"wrote {args.candidates} candidates and their history"
            f" in {time.monotonic() - began:.1f} s"
        )
        figures = asyncio.run(measure(database_url, args.runs))
    path = write_results("outcomes", {"candidates": args.candidates, "runs": args.runs, **figures})
    say(f"written to {path}")


if __name__ == "__main__":
    main()
