"""Liveness and readiness: `GET /healthz`, whether PostgreSQL and Temporal both answer.

`routes` speaks HTTP; it probes the database through the repositories' `ping` and Temporal
through its client, and imports no other domain's package.
"""
