"""The typed shapes that cross a Temporal hop: each workflow's input, signals, queries and
results, and each activity's input and result.

They end up in Temporal histories and the Web UI (encrypted by the codec), so they carry ids
and scheduling facts, never names, emails, addresses or free text from candidates. Adding a
field needs a default, so that histories recorded before it still decode. They may import
`rapport.outreach.state` and `rapport.vocabulary` only.
"""
