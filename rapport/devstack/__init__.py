"""`make dev`: start, supervise and stop the whole stack on one machine.

PostgreSQL (embedded unless RAPPORT_DATABASE_URL is set) with migrations applied, the Temporal
dev server with a file-backed database, its Web UI and Rapport's search attributes, a local SMTP
mailbox (unless RAPPORT_SMTP_HOST is set), the worker and the API. Everything keeps its state
under RAPPORT_DATA_DIR, so running it again resumes where it stopped.

`rapport.devstack.children` holds a supervised child process and the port checks around it,
`rapport.devstack.stack` the stack itself (which children, with which settings and keys, in
which order), and `python -m rapport.devstack` (`__main__`, what `make dev` runs) runs it
until Ctrl-C or SIGTERM. It may import `rapport` (settings, migrations, keys, the codec, the
search attributes) and the embedded PostgreSQL. It runs the Temporal server, the mailbox, the
worker and the API as processes, so it imports none of `api`, `workflows`, `activities` or
`worker.py`; nothing but tests imports it.
"""

from rapport.devstack.stack import DevStack

__all__ = ["DevStack"]
