"""The Temporal client, built once per process from the settings, with the payload codec."""

from __future__ import annotations

from temporalio.client import Client

from rapport.codec import EncryptionCodec, data_converter
from rapport.settings import Settings


def make_codec(settings: Settings) -> EncryptionCodec | None:
    return (
        EncryptionCodec.from_setting(settings.encryption_keys) if settings.encryption_keys else None
    )


async def connect(settings: Settings, *, lazy: bool = False) -> Client:
    return await Client.connect(
        settings.temporal_target,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(make_codec(settings)),
        lazy=lazy,
    )
