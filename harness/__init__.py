"""What the tests and the benchmarks both use to drive Rapport from the outside.

`harness.stack` starts `python -m rapport.devstack` (what `make dev` runs) on free ports and stops
it; `harness.postgres` finds a PostgreSQL server and makes a fresh, migrated database on it;
`harness.imap` starts a dovecot IMAP server in a temporary directory and delivers mail into it;
`harness.api_helpers` builds the API's request bodies and polls for what workflows do later.
For hurting Rapport (the fault tests and the kill benchmark): `harness.smtp` counts what an SMTP
server accepts by Message-ID and refuses on demand, `harness.processes` runs a Temporal dev
server and `worker.py` to kill and restart, and freezes servers, `harness.population` writes
candidates whose emails are due and tallies lost and doubled ones, `harness.rig` puts them
together.

It may import `rapport` (settings, migrations, the calendar), the API's `start_workflow` (so
workflows start as enrolment starts them) and third-party libraries; it never imports `tests`
or `bench`, and nothing in the app (`api`, `workflows`, `activities`,
`rapport`, `worker.py`) imports it. `make lint` checks both (all but `worker.py`, a module
import-linter cannot take as a root).
"""
