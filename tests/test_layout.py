"""The house's shape: one package per domain, each saying what it holds, routers that only
speak HTTP, and modules short enough to read in one sitting."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
API = ROOT / "api"
DOMAINS = [
    "app", "articles", "campaigns", "candidates", "codec", "health", "inbound", "keys", "mailboxes",
    "metrics", "ops", "people", "public", "tasks", "templates", "vacancies",
]  # fmt: skip
MAX_LINES = 350


def test_every_domain_has_its_routes() -> None:
    packages = sorted(path.parent.name for path in API.glob("*/__init__.py"))
    assert packages == DOMAINS
    for domain in DOMAINS:
        assert (API / domain / "routes.py").is_file(), domain


def test_every_package_says_what_it_holds_and_may_import() -> None:
    packages = [API, *(API / domain for domain in DOMAINS), ROOT / "rapport/db/repositories"]
    for package in packages:
        docstring = ast.get_docstring(ast.parse((package / "__init__.py").read_text()))
        assert docstring, f"{package.relative_to(ROOT)} has no docstring"
        assert "import" in docstring, f"{package.relative_to(ROOT)} says nothing of its imports"


def modules() -> list[Path]:
    found = [ROOT / "worker.py"]
    for package in ("api", "workflows", "activities", "rapport", "harness", "bench"):
        found.extend((ROOT / package).rglob("*.py"))
    return sorted(found)


def test_every_module_is_under_350_lines() -> None:
    sizes = {str(path.relative_to(ROOT)): len(path.read_text().splitlines()) for path in modules()}
    too_long = {name: lines for name, lines in sizes.items() if lines >= MAX_LINES}
    assert too_long == {}
