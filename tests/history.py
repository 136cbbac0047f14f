"""Reading workflow histories as an attacker with the database would, or an operator with
the keys would."""

from __future__ import annotations

from collections.abc import Iterator

from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.client import WorkflowHistory

from rapport.codec import EncryptionCodec


def payloads_in(message: Message) -> Iterator[Payload]:
    """Every Payload anywhere inside a protobuf message."""
    if isinstance(message, Payload):
        yield message
        return
    for _, value in message.ListFields():
        if isinstance(value, Message):
            yield from payloads_in(value)
            continue
        # Repeated fields and maps: iterate their message values.
        items = value.values() if hasattr(value, "values") else value
        if isinstance(items, (str, bytes)):
            continue
        try:
            iterator = iter(items)
        except TypeError:
            continue
        for item in iterator:
            if isinstance(item, Message):
                yield from payloads_in(item)


def raw_bytes(history: WorkflowHistory) -> bytes:
    """Payload data is raw bytes inside the protobuf, so a byte search finds any plain value."""
    return b"".join(event.SerializeToString() for event in history.events)


async def decoded_bytes(history: WorkflowHistory, codec: EncryptionCodec) -> bytes:
    found = [payload for event in history.events for payload in payloads_in(event)]
    decoded = await codec.decode(found)
    return b"\n".join(payload.SerializeToString() for payload in decoded)
