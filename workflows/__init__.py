"""Deterministic orchestration only: the candidate, vacancy, campaign and digest workflows, the
fan-out they share, and the digest's schedule.

Workflow code does no I/O and reads time only through `workflow.now()`. It may import
`activities` (to call activities by method), `rapport.outreach`, `rapport.contracts`,
`rapport.timeouts`, `rapport.search_attributes` and `rapport.vocabulary`, through
`imports_passed_through()`; never `api`.
"""
