"""What every fault test has: a fresh database of its own on the session's PostgreSQL server
(never frozen or stopped: the one freezing test brings its own), and a report of the counts
it measured, printed at the end of the run (`fault counts`); a failed one shows the end of
each log its processes wrote under its `tmp_path`."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.postgres import fresh_database

COUNTS: list[str] = []
LOG_TAIL_LINES = 60


@pytest.fixture
def fault_database(postgres_server: str) -> Iterator[str]:
    with fresh_database(postgres_server, "rapport_faults_") as url:
        yield url


@pytest.fixture
def report(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Keep a line of what this test measured for the run's summary."""

    def add(line: str) -> None:
        COUNTS.append(f"{request.node.name}: {line}")

    return add


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if COUNTS:
        terminalreporter.section("fault counts")
        for line in COUNTS:
            terminalreporter.write_line(line)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Generator[None, Any, None]:
    outcome = yield
    result = outcome.get_result()
    tmp_path = getattr(item, "funcargs", {}).get("tmp_path")
    if result.failed and isinstance(tmp_path, Path):
        for log in sorted(tmp_path.rglob("*.log")):
            lines = log.read_text(errors="replace").splitlines()[-LOG_TAIL_LINES:]
            result.sections.append((f"end of {log.relative_to(tmp_path)}", "\n".join(lines)))
