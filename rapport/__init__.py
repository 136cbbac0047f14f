"""Rapport: keeps a company in touch with passive candidates, one Temporal workflow each.

This package is the core the rest stands on: the pure outreach domain (`rapport.outreach`), the
shapes that cross Temporal hops (`rapport.contracts`), the vocabulary, settings, the database
(`rapport.db`), timeouts and retry policies, search attributes, the payload codec, matching,
API keys and the dev stack. It imports nothing from `workflows`, `activities` or `api`.
"""
