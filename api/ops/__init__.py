"""For operators: find overdue and waiting workflows, re-drive a stuck one, see how reading
each connected mailbox goes, and sign in the browser so the Temporal Web UI can decode
payloads through the codec endpoint.

`routes` (JSON) and `pages` (the sign-in page) speak HTTP and call `service`, which asks
Temporal's visibility store; of the other domains they import only `api.candidates` (a
candidate and its workflow) and `api.mailboxes` (the mailboxes' health, from PostgreSQL).
"""
