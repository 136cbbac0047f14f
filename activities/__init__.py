"""Everything with I/O that a workflow asks for: the database, templates, SMTP, the note
provider, matching pages and digests.

Activities are classes that hold their dependencies (sessions, mailer, renderer) and are called
by method. They may import `rapport` (the domain, contracts, database); never `workflows` or
`api`.
"""
