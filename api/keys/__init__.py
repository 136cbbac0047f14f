"""API keys, for admins: make one (shown once), list them, revoke one.

`routes` speaks HTTP and calls `service`, which uses `rapport.keys` (hashing, roles) and the
key repository; it imports no other domain's package.
"""
