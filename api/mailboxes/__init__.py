"""Connected mailboxes (admin only): the IMAP accounts Rapport reads replies, out-of-office
answers, bounces and complaints from. Secrets are write-only and stored encrypted.

Its service may import `rapport` (repositories, sealing, settings), `activities.mailbox_reader`
for the account's vocabulary, and `workflows.mailboxes` to start and stop reading.
"""
