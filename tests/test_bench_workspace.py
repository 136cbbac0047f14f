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

pytestmark = pytest.mark.e2e
COMMAND = ["-m", "bench.workspace", "--candidates", "4", "--people", "2", "--rounds", "1"]


def test_the_workspace_benchmark_draws_every_page_for_hr_and_an_owner(tmp_path: Path) -> None:
    out = tmp_path / "workspace.json"
    run = subprocess.run(
        [sys.executable, *COMMAND, "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    figures = json.loads(out.read_text())

    assert figures["skipped"] == []
    pages = figures["pages"]
    assert {"/app/candidates", "/app/candidates ?text", "/app/candidates/{candidate_id}",
            "/app/enrol", "/app/inbox"} <= set(pages)  # fmt: skip
    for name, figure in pages.items():
        # Both drew every page (the owner's candidate page is one of their own) but the enrol
        # form, which is HR's.
        assert figure["requests"] == (1 if name == "/app/enrol" else 2), name
        assert figure["refused_to"] == (["owner"] if name == "/app/enrol" else []), name
        assert set(figure["statuses"]) <= {"200", "303"}, (name, figure["statuses"])
        assert figure["p95_ms"] is not None
