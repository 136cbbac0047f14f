"""Each new benchmark run end to end at a tiny size, so it cannot rot: it must finish, print its
figures and write its JSON. Never a timed assertion: the figures are not checked, only that
they are there (and, for the simulation, that no rule was broken). Each subprocess is bounded
by TIMEOUT_SECONDS; on an idle machine each takes well under a minute, most of it the dev
stack's start and, for the wake storm, the wait for the next whole minute."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_SECONDS = 300


def run_bench(
    name: str, results: Path, *args: str, exits: tuple[int, ...] = (0,)
) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-m", f"bench.{name}", "--results", str(results), *args],
        cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False,
    )  # fmt: skip
    assert done.returncode in exits, done.stdout[-4000:] + done.stderr[-4000:]
    [written] = results.glob(f"{name}-*.json")
    figures: dict[str, object] = json.loads(written.read_text())
    assert figures["benchmark"] == name
    return figures


# A minute each (the stack's start, the wake storm's wait for a whole minute): outside `make
# test`, to keep CI within its time; `make bench-smoke` runs them.
@pytest.mark.bench
def test_wake_storm(tmp_path: Path) -> None:
    # The due instant is a whole minute (a send window has minutes) after the stack is up.
    figures = run_bench("wake_storm", tmp_path, "--size", "5", "--lead", "20")
    assert figures["candidates"] == 5
    for key in ("rapport_last_seconds", "bare_last_seconds", "ratio"):
        assert isinstance(figures[key], float | int), key


def test_simulation(tmp_path: Path) -> None:
    # Exit 1 means it found a rule broken (it prints which): a small cohort over a year must
    # break none, and every rule must be counted.
    figures = run_bench("simulation", tmp_path, "--size", "6", "--cohort", "3", "--years", "1")
    assert figures["cohort_size"] == 3
    violations = figures["violations"]
    assert isinstance(violations, dict) and len(violations) == 7
    assert violations == dict.fromkeys(violations, 0), violations
    assert figures["history_events_per_candidate_year"]
    assert figures["touches_per_candidate_year"]


@pytest.mark.bench
def test_idle(tmp_path: Path) -> None:
    figures = run_bench("idle", tmp_path, "--size", "8", "--idle-window", "2")
    steps = figures["steps"]
    assert isinstance(steps, list) and [step["candidates"] for step in steps] == [2, 4, 8]
    assert figures["per_candidate"]


@pytest.mark.bench
def test_enrolment(tmp_path: Path) -> None:
    figures = run_bench("enrolment", tmp_path, "--candidates", "8", "--rounds", "2")
    assert figures["candidates"] == 8
    # Each phase until its calls answered and until every workflow it started has run.
    for key in ("ratio_import", "ratio_single", "ratio_import_ran", "ratio_single_ran"):
        assert isinstance(figures[key], float | int), key
    # Two rounds, the bare starts first in the second.
    rounds = figures["each_round"]
    assert isinstance(rounds, list)
    assert [r["rapport_first"] for r in rounds] == [True, False]


@pytest.mark.bench
def test_api_reads(tmp_path: Path) -> None:
    figures = run_bench(
        "api_reads", tmp_path, "--candidates", "6", "--requests", "20", "--wrk-seconds", "1",
        "--api-processes", "1,2",
    )  # fmt: skip
    assert figures["candidates"] == 6
    # Rapport's reads against one API process and against two, each beside the engine's.
    for read in ("get_candidate", "plan", "list"):
        for key in (f"ratio_p99_{read}", f"ratio_p99_{read}@2"):
            assert isinstance(figures[key], float | int), key
