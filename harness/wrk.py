"""The API's reads timed by wrk (Debian's `wrk`, a load generator written in C), when it is on
PATH: the same requests as bench.api_reads's own clients, from a client that costs next to
nothing, so that what is measured is the API rather than the benchmark's Python clients, which
share the same two cores (32 httpx clients cost about as much CPU as the API process itself).

Against several API processes the connections are spread evenly over them, one wrk each at
once, as a balancer spreads them; the percentiles are those of all the requests together,
from each wrk's whole latency histogram. (Processes sharing one socket, uvicorn `--workers`,
split 32 kept-alive connections as unevenly as 30 and 2, and one process then serves nearly
all of them.)"""

from __future__ import annotations

import math
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
-- Every latency seen (microseconds) with its count, for percentiles over several wrk runs.
done = function(summary, latency, requests)
  local out = io.open("%(histogram)s", "w")
  for i = 1, #latency do
    local value, count = latency(i)
    out:write(string.format("%%d %%d\\n", value, count))
  end
  out:close()
end
"""
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def available() -> bool:
    return shutil.which("wrk") is not None


def measure_spread(
    urls: list[str], key: str, paths: list[str], clients: int, seconds: int
) -> dict[str, float]:
    """p50 and p99 in milliseconds, requests per second and failed requests (non-2xx answers,
    socket errors) from wrk for `seconds`, its `clients` connections spread evenly over the
    API processes at `urls` (one wrk each, on one thread, all at once): the rates and failures
    added up, the percentiles those of every request."""
    shares = [clients // len(urls) + (index < clients % len(urls)) for index in range(len(urls))]
    if min(shares) < 1:
        raise ValueError(f"{clients} connections cannot reach {len(urls)} processes")
    with tempfile.TemporaryDirectory(prefix="rapport-wrk-") as scratch:
        listed = Path(scratch, "paths.txt")
        listed.write_text("\n".join(paths) + "\n")
        runs = []
        for index, (url, share) in enumerate(zip(urls, shares, strict=True)):
            histogram = Path(scratch, f"latency-{index}.txt")
            script = Path(scratch, f"reads-{index}.lua")
            script.write_text(SCRIPT % {"paths": listed, "key": key, "histogram": histogram})
            command = ["wrk", "-t1", f"-c{share}", f"-d{seconds}s", "--latency", "-s",
                       str(script), url]  # fmt: skip
            runs.append((subprocess.Popen(command, stdout=subprocess.PIPE, text=True), histogram))
        reports, histograms = [], []
        for process, histogram in runs:
            output, _ = process.communicate(timeout=seconds + 60)
            if process.returncode != 0:
                raise subprocess.CalledProcessError(process.returncode, process.args, output)
            reports.append(parse(output))
            histograms.append(read_histogram(histogram.read_text()))
    p50, p99 = percentiles(histograms, (50, 99))
    return {
        "p50_ms": p50,
        "p99_ms": p99,
        "per_second": round(sum(report["per_second"] for report in reports), 1),
        "errors": sum(report["errors"] for report in reports),
    }


def read_histogram(text: str) -> dict[int, int]:
    """The `done` hook's lines, `<microseconds> <count>`."""
    histogram: dict[int, int] = {}
    for line in text.splitlines():
        value, count = line.split()
        histogram[int(value)] = histogram.get(int(value), 0) + int(count)
    return histogram


def percentiles(histograms: list[dict[int, int]], wanted: tuple[int, ...]) -> list[float]:
    """The `wanted` percentiles, in milliseconds to 0.1, of the latencies of all `histograms`
    together: the smallest latency at or below which that share of the requests fell."""
    merged: dict[int, int] = {}
    for histogram in histograms:
        for value, count in histogram.items():
            merged[value] = merged.get(value, 0) + count
    total = sum(merged.values())
    if not total:
        raise ValueError("wrk recorded no latencies")
    found = []
    for percent in wanted:
        rank, seen = math.ceil(total * percent / 100), 0
        for value in sorted(merged):
            seen += merged[value]
            if seen >= rank:
                found.append(round(value / 1000, 1))
                break
    return found


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
