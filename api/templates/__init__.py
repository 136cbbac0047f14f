"""The message templates: list, read with history, edit (refused unless it renders), preview
against a candidate, revert to the default file.

`routes` speaks HTTP and calls `service`, which reads and writes the edits through
`rapport.db.repositories.template_edits` and renders with `activities.templates` (the worker's
own sandbox) over the samples of `activities.template_catalog`; it imports
`api.candidates.service` only to find the candidate a preview is for, as that domain shows them.
"""
