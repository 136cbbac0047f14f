"""What anyone may reach without a key: the signed one-click unsubscribe link (RFC 8058).

`routes` answers HTML and calls `service`, which checks the link's signature and opts the
candidate out; of the other domains it imports only `api.candidates` (its lifecycle).
"""
