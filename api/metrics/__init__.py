"""What the API tells Prometheus at `GET /metrics`: its own requests (count and latency by
route template, method and status) and Rapport's figures from PostgreSQL (touches by channel
and status, inbound by kind, tasks open and overdue). The worker serves the Temporal SDK's
metrics itself (rapport.temporal.metrics_runtime).

`requests` holds the registry and the middleware that times every request; `routes` speaks
HTTP and calls `service`, which reads the figures through the repositories
(rapport.db.repositories.metrics) behind a short cache. It imports no other domain's package.
"""
