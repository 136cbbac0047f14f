"""Rapport's payload converter decodes as the SDK's does, with each dataclass's field types
resolved once: the same values from every recorded history, the same JSON out, the SDK's rules
for unknown, missing and `init=False` fields, and no class kept alive by the cache."""

from __future__ import annotations

import dataclasses
import gc
import json
import typing
from pathlib import Path
from typing import Any

import pytest
import temporalio.converter._payload_converter as sdk_converter
from temporalio.client import WorkflowHistory
from temporalio.converter import DataConverter, DefaultPayloadConverter, value_to_type

from rapport.codec import data_converter
from rapport.contracts.candidate import CandidateInput
from rapport.payloads import DataclassFields, RapportPayloadConverter

HISTORIES = Path(__file__).resolve().parent / "histories"
CANDIDATE_HISTORIES = sorted(HISTORIES.glob("candidate_*.json"))


def started_input(path: Path) -> Any:
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    return history.events[0].workflow_execution_started_event_attributes.input.payloads


@pytest.mark.parametrize("path", CANDIDATE_HISTORIES, ids=lambda path: path.stem)
def test_every_recorded_candidate_input_decodes_as_the_sdk_decodes_it(path: Path) -> None:
    payloads = started_input(path)
    [ours] = RapportPayloadConverter().from_payloads(payloads, [CandidateInput])
    [sdks] = DataConverter.default.payload_converter.from_payloads(payloads, [CandidateInput])
    assert ours == sdks
    # And back to the very bytes the SDK writes: recorded histories keep replaying.
    assert RapportPayloadConverter().to_payloads([ours]) == (
        DataConverter.default.payload_converter.to_payloads([sdks])
    )


def test_the_data_converter_rapport_runs_with_decodes_through_it() -> None:
    assert data_converter(None).payload_converter_class is RapportPayloadConverter
    encodings = [c.encoding for c in RapportPayloadConverter().converters.values()]
    sdk_encodings = [c.encoding for c in DefaultPayloadConverter().converters.values()]
    assert encodings == sdk_encodings


def test_field_types_are_resolved_once_per_class(monkeypatch: pytest.MonkeyPatch) -> None:
    """The second decoding of a candidate's input resolves no type hints at all: not here, and
    not in the SDK's own dataclass branch."""
    resolved: list[object] = []

    def counting(real: Any) -> Any:
        def get_type_hints(obj: Any, *args: Any, **kwargs: Any) -> Any:
            resolved.append(obj)
            return real(obj, *args, **kwargs)

        return get_type_hints

    real = typing.get_type_hints  # the SDK's module imported this very function
    monkeypatch.setattr(typing, "get_type_hints", counting(real))
    monkeypatch.setattr(sdk_converter, "get_type_hints", counting(real))
    data = json.loads(started_input(CANDIDATE_HISTORIES[0])[0].data)
    fields = DataclassFields()
    first = value_to_type(CandidateInput, data, fields.converters)
    assert len(resolved) >= 5  # the input, its state, the facts, the policy, a touch sent
    resolved.clear()
    second = value_to_type(CandidateInput, data, fields.converters)
    assert (second, resolved) == (first, [])


@dataclasses.dataclass
class Inner:
    amount: int


@dataclasses.dataclass
class Outer:
    name: str
    inner: Inner | None = None
    tags: list[Inner] = dataclasses.field(default_factory=list)
    counted: int = dataclasses.field(default=0, init=False)


def test_the_sdks_rules_for_unknown_missing_and_init_false_fields() -> None:
    fields = DataclassFields()
    decoded = value_to_type(
        Outer,
        {"name": "a", "inner": {"amount": 2}, "tags": [{"amount": 3}], "counted": 7, "x": 1},
        fields.converters,
    )
    assert (decoded.name, decoded.inner, decoded.tags, decoded.counted) == (
        "a",
        Inner(2),
        [Inner(3)],
        7,
    )
    with pytest.raises(TypeError):
        value_to_type(Outer, {"inner": None}, fields.converters)  # `name` is missing
    with pytest.raises(TypeError, match="field inner"):
        value_to_type(Outer, {"name": "a", "inner": {"amount": "two"}}, fields.converters)
    with pytest.raises(TypeError, match="not dict"):
        value_to_type(Outer, ["a"], fields.converters)


def test_a_class_that_goes_away_is_not_kept_by_the_cache() -> None:
    """As a dataclass defined in the workflow sandbox goes at the end of its run."""
    fields = DataclassFields()

    def decode_with_a_class_of_its_own() -> None:
        @dataclasses.dataclass
        class OfOneRun:
            amount: int

        assert value_to_type(OfOneRun, {"amount": 1}, fields.converters) == OfOneRun(1)

    decode_with_a_class_of_its_own()
    gc.collect()
    assert len(fields._hints) == 0
