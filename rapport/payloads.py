"""Rapport's payload converter: the SDK's default, whose JSON decoding resolves each
dataclass's field types once instead of at every payload.

The SDK rebuilds a dataclass from JSON by asking `typing.get_type_hints` for its fields every
time it decodes one, and under `from __future__ import annotations` every field's annotation is
a string compiled afresh at each call. A candidate's workflow input is a tree of about thirty
dataclasses, so decoding it was a sixth of the worker's CPU for a new workflow's first task
(py-spy during `bench.enrolment`), and every signal and activity result paid the same in
proportion. Here the hints are resolved once per class and kept as long as the class lives.

Only decoding changes: a payload's JSON is the SDK's (its encoder, its keys), so every history
recorded before replays, and a dataclass comes back exactly as the SDK's own branch builds it:
unknown keys ignored, missing ones left to the constructor, `init=False` fields set after it.
"""

from __future__ import annotations

import dataclasses
import threading
import typing
import weakref
from typing import Any

from temporalio.converter import (
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
    JSONTypeConverter,
    value_to_type,
)
from temporalio.converter._payload_converter import JSONTypeConverterUnhandled


class DataclassFields(JSONTypeConverter):
    """Decodes dataclasses as the SDK does, with their field types resolved once per class.

    The cache holds classes weakly: a class defined inside the workflow sandbox is a new class
    in every run, and must not be kept alive by it. Workflow activations run in threads, hence
    the lock."""

    def __init__(self) -> None:
        self._hints: weakref.WeakKeyDictionary[type, dict[str, Any]] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()
        # Field values are decoded with this converter first too, as the SDK passes its custom
        # converters down.
        self.converters: list[JSONTypeConverter] = [self]

    def field_hints(self, cls: type) -> dict[str, Any]:
        with self._lock:
            hints = self._hints.get(cls)
        if hints is None:
            hints = typing.get_type_hints(cls)
            with self._lock:
                self._hints[cls] = hints
        return hints

    def to_typed_value(self, hint: type, value: Any) -> Any | JSONTypeConverterUnhandled | None:
        if not (isinstance(hint, type) and dataclasses.is_dataclass(hint)):
            return JSONTypeConverter.Unhandled
        if not isinstance(value, dict):
            raise TypeError(f"Cannot convert to dataclass {hint}, value is {type(value)} not dict")
        hints = self.field_hints(hint)
        init_values: dict[str, Any] = {}
        other_values: dict[str, Any] = {}
        for field in dataclasses.fields(hint):
            if field.name not in value:
                continue
            try:
                converted = value_to_type(hints[field.name], value[field.name], self.converters)
            except Exception as err:
                message = f"Failed converting field {field.name} on dataclass {hint}"
                raise TypeError(message) from err
            (init_values if field.init else other_values)[field.name] = converted
        decoded = hint(**init_values)
        for name, field_value in other_values.items():
            object.__setattr__(decoded, name, field_value)
        return decoded


# One for the process: the SDK makes a payload converter for every workflow run (inside its
# sandbox, from this class), and the hints must outlive the run.
FIELDS = DataclassFields()


class RapportPayloadConverter(DefaultPayloadConverter):
    """The SDK's default converters in their order, the JSON one decoding through `FIELDS`."""

    def __init__(self) -> None:
        super().__init__()
        self._set_converters(
            *(
                JSONPlainPayloadConverter(custom_type_converters=FIELDS.converters)
                if isinstance(converter, JSONPlainPayloadConverter)
                else converter
                for converter in DefaultPayloadConverter.default_encoding_payload_converters
            )
        )
