"""Temporal wiring by reference, not by string: activities are called by method, signals and
queries sent by handler, workflows started by their run method. A misspelt string fails only
at run time; a misspelt method fails mypy. The names (which recorded histories hold) are
written once, in their definitions."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Calls whose first arguments name an activity, a signal, a query, an update or a workflow.
WIRING = {
    "signal", "query", "execute_update", "start_update", "signal_with_start",
    "execute_activity_method", "start_activity_method",
    "execute_local_activity_method", "start_local_activity_method",
    "execute_workflow", "start_workflow", "execute_child_workflow", "start_child_workflow",
    "get_workflow_handle_for", "get_external_workflow_handle_for", "ScheduleActionStartWorkflow",
}  # fmt: skip
# The untyped forms, which take a name and a result_type: not used at all.
BY_NAME = {"execute_activity", "start_activity", "execute_local_activity", "start_local_activity"}


def sources() -> Iterator[tuple[str, ast.Module]]:
    paths = [ROOT / "worker.py"]
    for package in ("api", "workflows", "activities", "rapport"):
        paths.extend((ROOT / package).rglob("*.py"))
    for path in sorted(paths):
        yield str(path.relative_to(ROOT)), ast.parse(path.read_text())


def called(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def activity_names() -> set[str]:
    """Every activity's registered name, from its @activity.defn(name=...)."""
    names = set()
    for _, tree in sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and called(node) == "defn":
                for keyword in node.keywords:
                    if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                        names.add(str(keyword.value.value))
    return names


def test_no_activity_signal_query_or_workflow_is_named_by_a_string() -> None:
    found = []
    for name, tree in sources():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            if called(node) in BY_NAME:
                found.append(f"{name}:{node.lineno} {called(node)}(…): use the _method form")
            if called(node) in WIRING and any(
                isinstance(arg, ast.Constant) and isinstance(arg.value, str) for arg in node.args
            ):
                found.append(f'{name}:{node.lineno} {called(node)}("…")')
    assert found == []


def test_activity_names_are_written_only_where_they_are_defined() -> None:
    names = activity_names()
    assert {"send_touch", "match_page", "send_owner_digests"} <= names
    found = []
    for module, tree in sources():
        defined = {
            id(keyword.value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and called(node) == "defn"
            for keyword in node.keywords
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value in names and id(node) not in defined:
                found.append(f"{module}:{node.lineno} {node.value!r}")
    assert found == []
