"""Encryption of every Temporal payload, so histories and the Web UI hold only ciphertext.

Workflow inputs, results, signals and activity arguments pass through `EncryptionCodec` on
their way to the Temporal server and back. The wire format is that of Temporal's encryption
samples (metadata `encoding: binary/encrypted` and `encryption-key-id`, data = 12-byte nonce +
AES-256-GCM ciphertext of the serialized original payload), so their tools and codec servers
read our histories too.

Keys come from one setting, `"<id>:<base64 key>,<id>:<base64 key>"`, the first being current:
new payloads use it, and every listed key still decrypts what it once encrypted, so a key is
rotated by putting a new one first and dropped only once no open history needs it.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import os
import re
import secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from google.protobuf.message import DecodeError
from temporalio.api.common.v1 import Payload
from temporalio.converter import DataConverter, PayloadCodec

from rapport.payloads import RapportPayloadConverter

ENCODING = b"binary/encrypted"
ENCODING_KEY = "encoding"
KEY_ID_KEY = "encryption-key-id"
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
KEY_ID_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,64}")
SETTING_FORMAT = "<id>:<base64 key>[,<id>:<base64 key>...]"


class PayloadDecryptionError(ValueError):
    """A payload that cannot be decrypted; the message names the key id, never the data."""

    def __init__(self, key_id: str, problem: str) -> None:
        super().__init__(f"cannot decrypt payload with key {key_id!r}: {problem}")
        self.key_id = key_id


class UnknownKeyError(PayloadDecryptionError):
    def __init__(self, key_id: str) -> None:
        super().__init__(key_id, "no such key is configured (was it removed too early?)")


class EncryptionCodec(PayloadCodec):
    """AES-256-GCM with a fresh nonce per payload; decrypts with whichever key the payload names."""

    def __init__(self, keys: Mapping[str, bytes], current_key_id: str) -> None:
        if current_key_id not in keys:
            raise ValueError(f"current key {current_key_id!r} is not among the keys")
        for key_id, key in keys.items():
            check_key(key_id, key)
        # One cipher per key, made once: the codec runs for every payload of every task.
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self.current_key_id = current_key_id

    @classmethod
    def from_setting(cls, text: str) -> EncryptionCodec:
        current, keys = parse_keys(text)
        return cls(keys, current)

    @property
    def key_ids(self) -> list[str]:
        return list(self._ciphers)

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        cipher = self._ciphers[self.current_key_id]
        key_id = self.current_key_id.encode()
        encoded = []
        for payload in payloads:
            nonce = os.urandom(NONCE_BYTES)
            sealed = cipher.encrypt(nonce, payload.SerializeToString(), None)
            encoded.append(
                Payload(metadata={ENCODING_KEY: ENCODING, KEY_ID_KEY: key_id}, data=nonce + sealed)
            )
        return encoded

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._decrypt(payload) for payload in payloads]

    def _decrypt(self, payload: Payload) -> Payload:
        # Histories written before encryption was turned on must stay readable.
        if payload.metadata.get(ENCODING_KEY) != ENCODING:
            return payload
        key_id = payload.metadata.get(KEY_ID_KEY, b"").decode("utf-8", "replace")
        if not key_id:
            raise PayloadDecryptionError("", f"the {KEY_ID_KEY} metadata is missing")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise UnknownKeyError(key_id)
        if len(payload.data) < NONCE_BYTES + TAG_BYTES:
            raise PayloadDecryptionError(key_id, "the data is too short to be ciphertext")
        nonce, sealed = payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:]
        try:
            plain = cipher.decrypt(nonce, sealed, None)
        except InvalidTag:
            # Deliberately vague: GCM cannot tell a wrong key from altered data.
            raise PayloadDecryptionError(
                key_id, "authentication failed (tampered data, or a different key by that id)"
            ) from None
        try:
            return Payload.FromString(plain)
        except DecodeError:
            raise PayloadDecryptionError(key_id, "the decrypted data is not a payload") from None


def check_key(key_id: str, key: bytes) -> None:
    if not KEY_ID_PATTERN.fullmatch(key_id):
        raise ValueError(
            f"key id {key_id!r} must be 1-64 characters of letters, digits, '.', '_' or '-'"
        )
    if len(key) != KEY_BYTES:
        raise ValueError(
            f"key {key_id!r} is {len(key)} bytes; AES-256 needs {KEY_BYTES} "
            "(make one with `python -m rapport.codec`)"
        )


def parse_keys(text: str) -> tuple[str, dict[str, bytes]]:
    """`"k2:<base64>,k1:<base64>"` → ("k2", {"k2": …, "k1": …}); the first key is current.

    Messages name the entry and the key id but never echo key material.
    """
    entries = [entry.strip() for entry in text.split(",") if entry.strip()]
    if not entries:
        raise ValueError(f"no encryption keys given; expected {SETTING_FORMAT}")
    keys: dict[str, bytes] = {}
    for number, entry in enumerate(entries, start=1):
        key_id, colon, encoded = (part.strip() for part in entry.partition(":"))
        if not colon or not key_id or not encoded:
            raise ValueError(f"key entry {number} must look like <id>:<base64 key>")
        if key_id in keys:
            raise ValueError(f"key id {key_id!r} appears twice")
        try:
            key = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"key {key_id!r} is not valid base64") from None
        check_key(key_id, key)
        keys[key_id] = key
    return entries[0].partition(":")[0].strip(), keys


def data_converter(codec: EncryptionCodec | None) -> DataConverter:
    """The SDK's default converter, its dataclasses decoded with their field types resolved
    once (`rapport.payloads`), encrypting through `codec` when there is one."""
    return dataclasses.replace(
        DataConverter.default, payload_converter_class=RapportPayloadConverter, payload_codec=codec
    )


def new_key() -> str:
    """A fresh `<id>:<base64 key>` entry; the date in the id tells operators how old it is."""
    key_id = f"k{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(2)}"
    return f"{key_id}:{base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()}"


if __name__ == "__main__":
    print(new_key())
