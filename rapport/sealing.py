"""Secrets kept in PostgreSQL (a mailbox's password or OAuth2 token), encrypted at rest.

The keys are Temporal's payload keys (`RAPPORT_ENCRYPTION_KEYS`, rapport.codec): one setting
to rotate, the first key current. A sealed secret is `<key id>:<base64 of nonce + AES-256-GCM
ciphertext>`, bound to its row by associated data (the row's id), so a sealed value copied to
another row does not open. Opening tries the key it names, so rotation works as for payloads:
put a new key first, and keep the old one until every secret was sealed again (written anew).

Nothing here logs or echoes a secret; errors name the key id only.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from rapport.codec import NONCE_BYTES, parse_keys


class SealingError(ValueError):
    """A sealed secret that cannot be opened (unknown key, altered, another row's)."""


class NoSealingKeys(RuntimeError):
    def __init__(self) -> None:
        super().__init__(
            "RAPPORT_ENCRYPTION_KEYS is not set: secrets cannot be stored encrypted "
            "(`make dev` makes a key; `python -m rapport.codec` prints one)"
        )


class Sealer:
    def __init__(self, keys_setting: str | None) -> None:
        if not keys_setting:
            self._current: str | None = None
            self._ciphers: dict[str, AESGCM] = {}
            return
        current, keys = parse_keys(keys_setting)
        self._current = current
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.items()}

    @property
    def ready(self) -> bool:
        return self._current is not None

    def seal(self, secret: str, context: str) -> str:
        if self._current is None:
            raise NoSealingKeys()
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[self._current].encrypt(nonce, secret.encode(), context.encode())
        return f"{self._current}:{base64.b64encode(nonce + sealed).decode()}"

    def open(self, sealed: str, context: str) -> str:
        key_id, _, encoded = sealed.partition(":")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise SealingError(f"the secret was sealed with key {key_id!r}, which is not set")
        try:
            data = base64.b64decode(encoded, validate=True)
            plain = cipher.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], context.encode())
        except (binascii.Error, ValueError, InvalidTag):
            raise SealingError(f"the secret sealed with key {key_id!r} does not open") from None
        return plain.decode()
