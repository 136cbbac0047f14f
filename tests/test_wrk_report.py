"""harness.wrk reads wrk's report: a real one (wrk 4.1.0, Debian), units and failures included."""

from __future__ import annotations

import pytest

from harness.wrk import parse

REPORT = """Running 15s test @ http://127.0.0.1:35113
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    99.76ms   72.36ms   1.26s    89.24%
    Req/Sec   354.91    126.18   580.00     73.10%
  Latency Distribution
     50%   77.80ms
     75%   98.31ms
     90%  177.95ms
     99%    1.41s
  5226 requests in 15.04s, 5.89MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 4
Requests/sec:    347.42
Transfer/sec:    400.77KB
"""


def test_the_report_s_percentiles_rate_and_failures() -> None:
    assert parse(REPORT) == {"p50_ms": 77.8, "p99_ms": 1410.0, "per_second": 347.4, "errors": 7}


def test_microseconds_and_a_clean_run() -> None:
    clean = REPORT.replace("77.80ms", "880.00us").replace(
        "  Socket errors: connect 0, read 1, write 0, timeout 2\n  Non-2xx or 3xx responses: 4\n",
        "",
    )
    assert parse(clean) == {"p50_ms": 0.9, "p99_ms": 1410.0, "per_second": 347.4, "errors": 0}


def test_a_report_without_figures_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"in wrk.s output"):
        parse("unable to connect to 127.0.0.1:1 Connection refused\n")
