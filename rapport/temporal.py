"""The Temporal client, built once per process from the settings."""

from __future__ import annotations

from temporalio.client import Client

from rapport.settings import Settings


async def connect(settings: Settings) -> Client:
    return await Client.connect(settings.temporal_target, namespace=settings.temporal_namespace)
