"""Fault tests: Rapport's processes and servers killed, frozen or refusing while it sends, and
every message counted at a real SMTP server. Marked `faults`, out of `make test` (together
they take minutes); `make test-faults` runs them, and `.ci/run` runs both."""
