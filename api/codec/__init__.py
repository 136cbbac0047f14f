"""Temporal's remote codec protocol (`/codec/encode`, `/codec/decode`), so the Web UI and the
CLI can show encrypted payloads.

`routes` imports `rapport.codec`'s key ring and no other package of the API; CORS and the
operator's authentication are attached where `api.main` includes it.
"""
