"""What came back: raw messages posted by a mail provider (`POST /api/inbound/email`), the list
of what each did, and classifying a reply (which drives the candidate's lifecycle).

`routes` speaks HTTP and calls `service`, which runs `activities.inbound.InboundProcessor`,
reads through the repositories, and tells the candidate's workflow; of the other domains it
imports only `api.candidates` (the workflow's signals and the reply lifecycle).
"""
