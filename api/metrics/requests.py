"""The API's registry, and the middleware that counts and times every request.

Labels stay bounded whatever the traffic: the route's template (`/api/candidates/{candidate_id}`,
never a concrete id), `unmatched` for a path no route serves, a known method or `other`, and
the status code.
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Histogram, ProcessCollector
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from api.metrics.service import RapportCollector
from api.middleware import StatusOf

METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
UNMATCHED = "unmatched"
# Prometheus's defaults, which bracket the 50 ms goal of a profile read (README, Performance).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0)


class ApiMetrics:
    """One registry per app (tests build several apps in one process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "rapport_http_requests",
            "HTTP requests answered, by route template, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "rapport_http_request_duration_seconds",
            "Time from a request's arrival to the end of its answer, by route template and method.",
            ["route", "method"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.figures = RapportCollector()
        self.registry.register(self.figures)
        ProcessCollector(registry=self.registry)

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        method = method if method in METHODS else "other"
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route, method).observe(seconds)


def route_template(scope: Scope) -> str:
    """The path template of the route that served `scope`, or that would have (a request
    refused before routing, such as a 413), else `unmatched`."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    app = scope.get("app")
    for candidate in getattr(getattr(app, "router", None), "routes", ()):
        match, _ = candidate.matches(scope)
        if match != Match.NONE and isinstance(getattr(candidate, "path", None), str):
            return str(candidate.path)
    return UNMATCHED


class RequestMetrics:
    """Outermost of the API's middleware: it times what the others do too."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        answer = StatusOf(send)
        try:
            await self.app(scope, receive, answer)
        finally:
            seconds = time.perf_counter() - started
            method = scope.get("method", "")
            self.metrics.observe(route_template(scope), method, answer.status, seconds)
