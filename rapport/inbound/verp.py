"""VERP return paths: `bounces+<token>@<domain>`, where the token names the touch.

Outgoing mail carries such a Return-Path (envelope sender) when a bounce domain is
configured; a bounce then comes back to that very address, and the token says which touch it
is about even when the report encloses nothing of the original message. The token is the
32-hex digest of the touch's Message-ID (activities.mail.Mailer.message_id: the first 32 hex
characters of the sha256 of the touch's idempotency key), so no table maps tokens to touches.

Pure functions: nothing here does I/O.
"""

from __future__ import annotations

import re
from email.message import Message

from rapport.inbound.headers import addresses, rapport_digest

DEFAULT_LOCAL_PART = "bounces"
_TOKEN = re.compile(r"^[0-9a-f]{32}$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9-]{1,63})*$")
# Where the address a message was delivered to shows, most reliable first.
DELIVERY_FIELDS = (
    "Delivered-To",
    "X-Original-To",
    "Envelope-To",
    "X-Envelope-To",
    "X-Forwarded-To",
    "To",
    "Cc",
)


class VerpError(ValueError):
    """A token or domain that cannot make a VERP address."""


def is_token(token: str) -> bool:
    return bool(_TOKEN.match(token))


def token_for_message_id(message_id: str) -> str:
    """The token for a touch's Message-ID (`<32 hex@domain>`)."""
    digest = rapport_digest(message_id)
    if digest is None:
        raise VerpError(f"not one of Rapport's Message-IDs: {message_id!r}")
    return digest


def verp_address(token: str, domain: str, *, local_part: str = DEFAULT_LOCAL_PART) -> str:
    """`bounces+<token>@<domain>`; VerpError for a token that is not 32 lowercase hex
    characters or a domain that is not a host name."""
    domain = domain.strip().lower()
    if not is_token(token):
        raise VerpError(f"a VERP token is 32 lowercase hex characters, not {token!r}")
    if not _DOMAIN.match(domain):
        raise VerpError(f"not a domain: {domain!r}")
    return f"{local_part}+{token}@{domain}"


def read_verp_address(
    address: str, *, domain: str | None = None, local_part: str = DEFAULT_LOCAL_PART
) -> str | None:
    """The token of a VERP address, or None when `address` is not one (of `domain`, when given).

    Case-insensitive (some servers upper-case the local part); the token is returned lowercase.
    """
    value = address.strip().strip("<>").lower()
    local, at, host = value.rpartition("@")
    if not at:
        return None
    if domain is not None and host != domain.strip().lower():
        return None
    prefix = f"{local_part.lower()}+"
    if not local.startswith(prefix):
        return None
    token = local[len(prefix) :]
    return token if is_token(token) else None


def delivered_verp_token(
    message: Message, *, domain: str | None = None, local_part: str = DEFAULT_LOCAL_PART
) -> str | None:
    """The token of the first VERP address among the fields that say where `message` went."""
    for name in DELIVERY_FIELDS:
        for address in addresses(message, name):
            token = read_verp_address(address, domain=domain, local_part=local_part)
            if token:
                return token
    return None
