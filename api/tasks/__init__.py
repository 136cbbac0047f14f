"""The assisted-send inbox: drafts a person sends on LinkedIn or by hand, then marks done.

`routes` speaks HTTP and calls `service`, which writes through the repositories and tells
the candidate's workflow; of the other domains it imports only `api.candidates.workflow`.
"""
