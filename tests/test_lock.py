"""uv.lock: in step with pyproject.toml, fed only by PyPI, and the one uv everywhere.

`make dev`, `make test` and the Dockerfile install exactly what uv.lock pins, so a
dependency added to pyproject.toml without re-locking (`make lock`) must fail here, and
not quietly install whatever is newest on some machine.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "uv.lock"
MAKEFILE = ROOT / "Makefile"
DOCKERFILE = ROOT / "Dockerfile"

PYPI_INDEX = "https://pypi.org/simple"
PYPI_FILES_HOST = "files.pythonhosted.org"
OUT_OF_STEP = "uv.lock is out of step with pyproject.toml: run `make lock` and commit uv.lock"


def uv_binary() -> str:
    """The uv that `make` installs into .tools, else one on PATH."""
    bootstrapped = ROOT / ".tools" / "bin" / "uv"
    if bootstrapped.is_file():
        return str(bootstrapped)
    found = shutil.which("uv")
    if found is None:
        message = "no uv: run the suite with `make test`, which installs it into .tools"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def uv_lock_check(*extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [uv_binary(), "lock", "--check", *extra],
        cwd=ROOT,
        env={**os.environ, "UV_PYTHON_DOWNLOADS": "never", "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_lock_is_in_step_with_pyproject() -> None:
    # A lock in step is confirmed from the lock alone, with no network and no cache.
    offline = uv_lock_check("--offline")
    if offline.returncode == 0:
        return
    # Otherwise ask again with the index in reach, so that uv names what changed rather
    # than the packages it could not find offline.
    online = uv_lock_check()
    pytest.fail(f"{OUT_OF_STEP}\n{online.stderr or offline.stderr}")


def locked_packages() -> list[dict[str, Any]]:
    packages: list[dict[str, Any]] = tomllib.loads(LOCK.read_text(encoding="utf-8"))["package"]
    return packages


def test_lock_pulls_everything_from_pypi() -> None:
    for package in locked_packages():
        name, source = package["name"], package["source"]
        if name == "rapport":
            assert source == {"editable": "."}, f"the project is locked from {source}"
            continue
        assert source == {"registry": PYPI_INDEX}, f"{name} is locked from {source}"
        files = [package["sdist"]] if "sdist" in package else []
        for file in files + package.get("wheels", []):
            assert urlsplit(file["url"]).netloc == PYPI_FILES_HOST, f"{name}: {file['url']}"
            assert file["hash"].startswith("sha256:"), f"{name}: {file['url']} has no hash"


def test_make_and_the_image_bootstrap_the_same_uv() -> None:
    make = re.search(r"^UV_VERSION\s*:?=\s*(\S+)", MAKEFILE.read_text(encoding="utf-8"), re.M)
    assert make, "the Makefile does not pin UV_VERSION"
    image = re.findall(r"\buv==(\S+)", DOCKERFILE.read_text(encoding="utf-8"))
    assert image == [make.group(1)], (
        f"the Dockerfile installs uv {image}, the Makefile {make.group(1)}"
    )
