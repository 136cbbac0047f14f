"""harness.wrk reads wrk's report: a real one (wrk 4.1.0, Debian), units and failures included;
and the percentiles of several wrk runs at once, from their latency histograms."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from harness.wrk import available, measure_spread, parse, percentiles

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


def test_percentiles_are_those_of_every_request_of_every_wrk() -> None:
    """Two processes' histograms (microseconds: count): one fast, one slow. Each alone has
    its own p99; together, the slow one's requests are a third of all of them."""
    fast = {1000: 98, 2000: 2}  # 100 requests at 1 ms, 2 of them at 2 ms
    slow = {40_000: 45, 90_000: 5}  # 50 at 40 ms, 5 of them at 90 ms
    assert percentiles([fast], (50, 99)) == [1.0, 2.0]
    assert percentiles([fast, slow], (50, 99)) == [1.0, 90.0]
    assert percentiles([fast, slow], (66,)) == [2.0]  # rank 99 of 150
    assert percentiles([fast, slow], (67,)) == [40.0]  # rank 101
    with pytest.raises(ValueError, match="no latencies"):
        percentiles([{}], (50,))


def answering(counted: list[int], index: int) -> type[BaseHTTPRequestHandler]:
    """A handler answering `{}` to the harness's key (401 otherwise), counting its requests."""

    class Answer(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            counted[index] += 1
            self.send_response(200 if self.headers["Authorization"] == "Bearer the-key" else 401)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            pass

    return Answer


@pytest.mark.skipif(not available(), reason="Debian's wrk is not installed (apt-get install wrk)")
def test_a_real_wrk_spread_over_two_servers_reports_every_request() -> None:
    """Debian's wrk with the harness's script, against two local HTTP servers: its latency
    histogram comes back through the script's `done` hook, and both servers are asked."""
    counted = [0, 0]
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), answering(counted, index)) for index in (0, 1)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        urls = [f"http://127.0.0.1:{server.server_address[1]}" for server in servers]
        figures = measure_spread(urls, "the-key", ["/a", "/b"], 4, 1)
    finally:
        for server in servers:
            server.shutdown()
    assert figures["errors"] == 0, figures
    assert figures["per_second"] > 0 and 0 < figures["p50_ms"] <= figures["p99_ms"]
    assert min(counted) > 0, counted
