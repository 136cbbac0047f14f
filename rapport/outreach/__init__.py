"""The pure domain of outreach: a candidate's state, the calendar in their time zone, the
channel policy, the contact budget and the plan that follows from them.

Shared alike by the API (to show a plan), the activities (to re-check a touch before sending)
and the workflows (to decide what to do next). Pure: no I/O, no clock (`now` is passed in), no
database. It may import the standard library, `rapport.vocabulary` and `rapport.names`; not
Temporal, not the `holidays` library (public holidays are pinned in the state, see
`rapport.outreach.pinned`), nothing from `rapport.db`, `workflows`, `activities` or `api`.
"""
