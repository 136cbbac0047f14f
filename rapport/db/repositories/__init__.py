"""Every query of Rapport, one module per aggregate, as functions over an `AsyncSession`.

Callers own the transaction (they flush, commit or roll back); a repository only reads and
writes rows. Lookups by id and by external id are written once, in `base`. These modules may
import `rapport.db.models`, SQLAlchemy and the pure domain core they store (`rapport.vocabulary`,
and `rapport.contracts` for a payload stored as it is, the status), and nothing else of
Rapport: no settings, no Temporal, no API. Nothing outside this package builds a statement or
calls `session.execute` (tests/test_queries_in_repositories.py checks it).

A statement run for every message or read (a send's, a profile's) is built once, as a module
constant or one per set of columns, with its values bound at execution: building one anew,
with the cache key SQLAlchemy computes to find its compiled form, cost about as much CPU as
running it (tests/test_send_touch.py checks a send passes the same statement objects twice).
"""
