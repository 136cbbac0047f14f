"""The team directory: the company's people who speak to candidates (their names in From
lines, messages, drafts and digests, their signatures), one entry per email.

`routes` speaks HTTP and calls `service` (one entry, the listing) and `imports` (a CSV or
JSON list), which read and write through `rapport.db.repositories.people`; nothing here
imports another domain's package.
"""
