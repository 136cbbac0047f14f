"""The API's and the repositories' shape: one package per domain, each saying what it holds,
routers that only speak HTTP, and modules short enough to read in one sitting."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
API = ROOT / "api"
DOMAINS = [
    "articles", "campaigns", "candidates", "codec", "health", "keys", "ops", "public", "tasks",
    "vacancies",
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


def test_modules_stay_short() -> None:
    modules = [*API.rglob("*.py"), *(ROOT / "rapport/db").rglob("*.py")]
    long = [
        f"{module.relative_to(ROOT)}: {lines} lines"
        for module in modules
        if (lines := len(module.read_text().splitlines())) >= MAX_LINES
    ]
    assert long == []
