"""The workspace benchmark (`python -m bench.workspace`) in miniature: its own dev stack, a few
candidates, two people (HR and an owner) signed in through the form, every page it finds
answered and none skipped. Its timings are not checked: here they say nothing (the machine
is shared). Run as a command, as a person runs it: the tests never import the benchmarks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.stack import ROOT

# Half a minute (its own dev stack): with the other benchmark smoke runs, `make bench-smoke`.
pytestmark = [pytest.mark.e2e, pytest.mark.bench]
COMMAND = [
    "-m", "bench.workspace", "--candidates", "4", "--people", "2", "--rounds", "1",
    "--think", "0.05",
]  # fmt: skip


def test_the_workspace_benchmark_draws_every_page_for_hr_and_an_owner(tmp_path: Path) -> None:
    out = tmp_path / "workspace.json"
    run = subprocess.run(
        [sys.executable, *COMMAND, "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    figures = json.loads(out.read_text())

    assert figures["skipped"] == []
    # Flat out, then reading each page a moment: the same pages both times.
    assert set(figures["pages_reading"]) == set(figures["pages"])
    assert figures["spent"]["requests"] > 0 and figures["spent"]["api_cpu_s"] is not None
    pages = figures["pages"]
    assert {"/app/candidates", "/app/candidates ?text", "/app/candidates/{candidate_id}",
            "/app/enrol", "/app/inbox"} <= set(pages)  # fmt: skip
    not_drawn = {"/app/import/{job_id}"}  # its report lives with the key that started it
    for name, figure in pages.items():
        if name in not_drawn:
            assert figure["requests"] == 0, name
            continue
        # Each of the two drew every page, or was refused it for their role (an owner the
        # enrol form, the vacancies, the messages; HR "I met someone"; both an admin's page).
        assert figure["requests"] + len(figure["refused_to"]) == 2, (name, figure)
        assert set(figure["statuses"]) <= {"200", "303"}, (name, figure["statuses"])
        assert (figure["p95_ms"] is None) == (figure["requests"] == 0), name
    drawn = [name for name, figure in pages.items() if figure["requests"]]
    assert len(drawn) >= 15, drawn
    assert pages["/app/enrol"]["refused_to"] == ["owner"]
