"""Candidates: enrolment (one or an import), the profile, its workflow's status and plan, the
outreach history, and what happens after (meetings, replies, invitations, opt-outs, stage
changes, erasure).

`routes` speaks HTTP and calls `service`, `lifecycle` and `imports`; those keep the database
and the candidate's workflow (`workflow`) in step, through the repositories. Other API
packages may use `service` and `workflow` (a task's close signals the candidate's workflow);
nothing here imports another domain's package.
"""
