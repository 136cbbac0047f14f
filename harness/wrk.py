"""The API's reads timed by wrk (Debian's `wrk`, a load generator written in C), when it is on
PATH: the same requests as bench.api_reads's own clients, from a client that costs next to
nothing, so that what is measured is the API rather than the benchmark's Python clients, which
share the same two cores (32 httpx clients cost about as much CPU as the API process itself)."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

# Each request picks one of the paths at random; the key goes in every request's header.
SCRIPT = """
local paths = {}
for line in io.lines("%(paths)s") do paths[#paths + 1] = line end
local headers = {["Authorization"] = "Bearer %(key)s"}
request = function()
  return wrk.format("GET", paths[math.random(#paths)], headers)
end
"""
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def available() -> bool:
    return shutil.which("wrk") is not None


def measure(url: str, key: str, paths: list[str], clients: int, seconds: int) -> dict[str, float]:
    """p50 and p99 in milliseconds, requests per second and non-2xx answers, from wrk with
    `clients` connections on one thread for `seconds`."""
    with tempfile.TemporaryDirectory(prefix="rapport-wrk-") as scratch:
        listed = Path(scratch, "paths.txt")
        listed.write_text("\n".join(paths) + "\n")
        script = Path(scratch, "reads.lua")
        script.write_text(SCRIPT % {"paths": listed, "key": key})
        done = subprocess.run(
            ["wrk", "-t1", f"-c{clients}", f"-d{seconds}s", "--latency", "-s", str(script), url],
            capture_output=True, text=True, check=True, timeout=seconds + 60,
        )  # fmt: skip
    return parse(done.stdout)


def parse(output: str) -> dict[str, float]:
    """wrk's report: the latency distribution's 50% and 99%, Requests/sec, non-2xx answers."""

    def latency(percent: str) -> float:
        found = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        if found is None:
            raise ValueError(f"no {percent}% latency in wrk's output:\n{output}")
        return round(float(found[1]) * UNITS[found[2]], 1)

    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    if rate is None:
        raise ValueError(f"no Requests/sec in wrk's output:\n{output}")
    failed = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return {
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "per_second": round(float(rate[1]), 1),
        "errors": (int(failed[1]) if failed else 0)
        + (sum(int(value) for value in errors.groups()) if errors else 0),
    }
