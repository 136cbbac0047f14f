"""Reading workflow histories as an attacker with the database would, or an operator with
the keys would."""

from __future__ import annotations

from collections.abc import Iterator

from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.api.history.v1 import HistoryEvent
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


# The SDK's own bookkeeping in its markers, written plain by the SDK (not through the codec):
# a patch's id; a local activity's id, type, attempt and times. No value of ours: a local
# activity's `result` goes through the codec like any other payload.
PATCH_MARKER = "core_patch"
LOCAL_ACTIVITY_MARKER = "core_local_activity"


def sdk_bookkeeping(event: HistoryEvent) -> list[Payload]:
    """The payloads of `event` that are the SDK's marker bookkeeping (see above)."""
    if not event.HasField("marker_recorded_event_attributes"):
        return []
    marker = event.marker_recorded_event_attributes
    if marker.marker_name not in (PATCH_MARKER, LOCAL_ACTIVITY_MARKER):
        return []
    return [
        payload
        for key, payloads in marker.details.items()
        if marker.marker_name == PATCH_MARKER or key != "result"
        for payload in payloads.payloads
    ]


def raw_bytes(history: WorkflowHistory) -> bytes:
    """Payload data is raw bytes inside the protobuf, so a byte search finds any plain value."""
    return b"".join(event.SerializeToString() for event in history.events)


async def decoded_bytes(history: WorkflowHistory, codec: EncryptionCodec) -> bytes:
    found = [payload for event in history.events for payload in payloads_in(event)]
    decoded = await codec.decode(found)
    return b"\n".join(payload.SerializeToString() for payload in decoded)
