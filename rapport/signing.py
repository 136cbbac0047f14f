"""Signed tokens for links that work without a login (the one-click unsubscribe)."""

from __future__ import annotations

import base64
import hashlib
import hmac


class BadToken(ValueError):
    """The token was not made with our key, or is malformed."""


def _signature(secret: str, payload: str) -> str:
    digest = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:20]).decode().rstrip("=")


def sign(secret: str, *parts: str) -> str:
    """`parts` joined and signed, URL-safe; parts must not contain `.`."""
    if any("." in part for part in parts):
        raise ValueError("token parts must not contain '.'")
    payload = ".".join(parts)
    return f"{payload}.{_signature(secret, payload)}"


def verify(secret: str, token: str) -> list[str]:
    payload, _, signature = token.rpartition(".")
    # compare_digest refuses str with non-ASCII characters (TypeError): a link someone mangled
    # is as invalid as a forged one. Bytes compare in constant time whatever they hold.
    presented = signature.encode("utf-8", "surrogatepass")
    if not payload or not hmac.compare_digest(presented, _signature(secret, payload).encode()):
        raise BadToken("invalid or tampered token")
    return payload.split(".")
