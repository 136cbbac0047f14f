"""The workspace benchmark (bench/workspace.py) in miniature on the e2e stack: a few candidates,
two people signed in through the form, every page it finds answered, none skipped. Its
figures are not checked: timings here say nothing (the machine is shared)."""

from __future__ import annotations

import pytest

from bench import workspace
from harness.stack import ADMIN_KEY, RunningStack

pytestmark = pytest.mark.e2e


async def test_the_workspace_benchmark_draws_every_page_for_hr_and_an_owner(
    stack: RunningStack,
) -> None:
    figures = await workspace.run(stack.api_url, ADMIN_KEY, None, 4, 2, 1)

    found, skipped = workspace.pages()
    assert skipped == [] and figures["skipped"] == []
    assert {"/app/candidates", "/app/candidates/{candidate_id}", "/app/inbox"} <= {
        page.path for page in found
    }
    assert set(figures["pages"]) == {page.name for page in found}
    for name, figure in figures["pages"].items():
        # Both drew every page (the owner's candidate page is one of their own) but the enrol
        # form, which is HR's.
        assert figure["requests"] == (1 if name == "/app/enrol" else 2), name
        assert figure["refused_to"] == (["owner"] if name == "/app/enrol" else []), name
        assert set(figure["statuses"]) <= {"200", "303"}, (name, figure["statuses"])
        assert figure["p95_ms"] is not None
