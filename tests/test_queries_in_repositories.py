"""Every query lives in `rapport/db/repositories`: nothing else builds a statement or runs
one on a session. Read from the source, so a query slipped into a router, a service, an
activity or the middleware fails here rather than in review."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ["api", "activities", "workflows", "rapport", "worker.py"]
REPOSITORIES = ROOT / "rapport" / "db" / "repositories"

# SQLAlchemy's statement builders: whoever imports one is writing a query.
BUILDERS = {
    "select", "insert", "update", "delete", "text", "func", "or_", "and_", "not_", "exists",
    "literal", "literal_column", "union", "cast", "Select", "Insert", "Update", "Delete",
}  # fmt: skip
# What reads or writes rows through a session or a connection; transaction control (begin,
# flush, commit, rollback, refresh) stays with the callers, who own the transaction.
RUNS = {
    "execute", "scalar", "scalars", "stream", "stream_scalars", "get", "get_one", "add",
    "add_all", "delete", "merge",
}  # fmt: skip
RECEIVERS = ("session", "connection", "conn")
# Not queries on Rapport's tables, each for its reason.
ALLOWED = {
    # Column defaults and index predicates: the schema, not a query.
    ("rapport/db/models.py", "import func"),
    ("rapport/db/models.py", "import text"),
    ("rapport/db/published.py", "import func"),
    # The dev stack creates its database on the embedded server's admin connection.
    ("rapport/devstack/stack.py", "connection.execute"),
}


def receiver(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def queries(source: str) -> list[tuple[int, str]]:
    """Each query-writing import and session call in `source`: (line, what)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            found += [(node.lineno, f"import {a.name}") for a in node.names if a.name in BUILDERS]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in RUNS
        ):
            name = receiver(node.func.value)
            if name.lstrip("_").lower().endswith(RECEIVERS):
                found.append((node.lineno, f"{name}.{node.func.attr}"))
    return found


def sources() -> list[Path]:
    files: list[Path] = []
    for entry in SCANNED:
        path = ROOT / entry
        files += [path] if path.is_file() else sorted(path.rglob("*.py"))
    return [file for file in files if REPOSITORIES not in file.parents]


def test_no_query_outside_the_repositories() -> None:
    outside = []
    for file in sources():
        name = file.relative_to(ROOT).as_posix()
        for line, what in queries(file.read_text(encoding="utf-8")):
            if (name, what) not in ALLOWED:
                outside.append(f"{name}:{line}: {what}")
    assert outside == [], "queries belong in rapport/db/repositories:\n" + "\n".join(outside)


def test_the_scan_sees_queries() -> None:
    source = """
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

async def handler(session, self):
    await session.execute(select(Thing))
    self._session.add(Thing())
    await session.commit()
"""
    assert sorted(what for _, what in queries(source)) == [
        "_session.add",
        "import func",
        "import insert",
        "import select",
        "session.execute",
    ]


def test_the_scan_reads_every_layer() -> None:
    names = {file.relative_to(ROOT).parts[0] for file in sources()}
    assert names == {"api", "activities", "workflows", "rapport", "worker.py"}
    assert not any(REPOSITORIES in file.parents for file in sources())
