"""Each new benchmark run end to end at a tiny size, so it cannot rot: it must finish, print its
figures and write its JSON. Never a timed assertion: the figures are not checked, only that
they are there (and, for the simulation, that no rule was broken)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_SECONDS = 300


def run_bench(name: str, results: Path, *args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-m", f"bench.{name}", "--results", str(results), *args],
        cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    [written] = results.glob(f"{name}-*.json")
    figures: dict[str, object] = json.loads(written.read_text())
    assert figures["benchmark"] == name
    return figures


@pytest.mark.timeout(TIMEOUT_SECONDS)
def test_wake_storm(tmp_path: Path) -> None:
    # The due instant is a whole minute (a send window has minutes) after the stack is up.
    figures = run_bench("wake_storm", tmp_path, "--size", "5", "--lead", "20")
    assert figures["candidates"] == 5
    for key in ("rapport_last_seconds", "bare_last_seconds", "ratio"):
        assert isinstance(figures[key], float | int), key


@pytest.mark.timeout(TIMEOUT_SECONDS)
def test_simulation(tmp_path: Path) -> None:
    figures = run_bench("simulation", tmp_path, "--size", "5", "--years", "1")
    violations = figures["violations"]
    assert isinstance(violations, dict) and set(violations.values()) == {0}
    assert figures["history_events_per_candidate_year"]
