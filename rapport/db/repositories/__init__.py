"""Every query of Rapport, one module per aggregate, as functions over an `AsyncSession`.

Callers own the transaction (they flush, commit or roll back); a repository only reads and
writes rows. Lookups by id and by external id are written once, in `base`. These modules may
import `rapport.db.models` and SQLAlchemy, and nothing else of Rapport: no settings, no
Temporal, no API. Nothing outside this package builds a statement or calls `session.execute`
(tests/test_queries_in_repositories.py checks it).
"""
