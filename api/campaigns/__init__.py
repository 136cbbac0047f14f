"""Campaigns: marketing invites a segment to a webinar or event; each invitation goes through
the candidate's own budget and channel policy.

`routes` speaks HTTP and calls `service`, which keeps the database and the campaign's
workflow in step through the repositories; it imports no other domain's package.
"""
