"""No message anywhere names a person by an address's local part (issue 12: "Cto" from
`cto@company.example`). Names come from the team directory or not at all; read from the
source, so a helper that splits an address and capitalises the pieces fails here."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ["api", "activities", "workflows", "rapport", "worker.py"]
SPLITS = {"partition", "rpartition", "split", "rsplit"}
CASINGS = {"capitalize", "title", "capwords"}
# Each use of an address's parts that makes no name, and why.
ALLOWED = {
    # The Message-ID's domain is the From address's domain.
    ("activities/mail.py", "rpartition"),
    # Inbound mail: a bounce is told by its sender's local part (MAILER-DAEMON, postmaster),
    # and a VERP address is read into its local part and domain; neither makes a name.
    ("rapport/inbound/bounces.py", "partition"),
    ("rapport/inbound/verp.py", "rpartition"),
    # A BCP 47 script subtag is written in title case (`zh-Hant`).
    ("rapport/languages.py", "title"),
}


def sources() -> list[Path]:
    found: list[Path] = []
    for name in SCANNED:
        path = ROOT / name
        found.extend([path] if path.is_file() else sorted(path.rglob("*.py")))
    return found


def findings(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            if isinstance(node, ast.Name) and node.id == "name_from_email":
                found.append((node.lineno, "name_from_email"))
            continue
        method = node.func.attr
        at = any(isinstance(arg, ast.Constant) and arg.value == "@" for arg in node.args)
        if (method in SPLITS and at) or method in CASINGS:
            found.append((node.lineno, method))
    return found


def test_no_code_makes_a_name_out_of_an_address() -> None:
    offending = [
        f"{path.relative_to(ROOT)}:{line} {what}"
        for path in sources()
        for line, what in findings(path)
        if (path.relative_to(ROOT).as_posix(), what) not in ALLOWED
    ]
    assert offending == []


def test_the_scan_sees_what_it_looks_for(tmp_path: Path) -> None:
    invented = tmp_path / "names.py"
    invented.write_text(
        "def name(email):\n"
        "    local = email.partition('@')[0]\n"
        "    return ' '.join(w.capitalize() for w in local.split('.'))\n"
    )
    assert [what for _, what in findings(invented)] == ["partition", "capitalize"]
