"""The house's shape: small modules, each one thing."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 350
# Being split on other branches right now: remove each from here when its split merges.
BEING_SPLIT = {
    "activities/touches.py",
    "api/routers/candidates.py",
    "api/schemas.py",
    "rapport/db/repository.py",
}


def modules() -> list[Path]:
    found = [ROOT / "worker.py"]
    for package in ("api", "workflows", "activities", "rapport", "harness", "bench"):
        found.extend((ROOT / package).rglob("*.py"))
    return sorted(found)


def test_every_module_is_under_350_lines() -> None:
    sizes = {str(path.relative_to(ROOT)): len(path.read_text().splitlines()) for path in modules()}
    too_long = {name: lines for name, lines in sizes.items() if lines >= MAX_LINES}
    assert set(too_long) <= BEING_SPLIT, {n: too_long[n] for n in set(too_long) - BEING_SPLIT}
    # A module split since is taken off the list, so the list only ever shrinks.
    assert set(too_long) >= BEING_SPLIT, BEING_SPLIT - set(too_long)
